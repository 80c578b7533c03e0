<?cs include:"notify/macros.cs" ?>
<?cs call:html_open() ?>
<p><?cs var:Text.line ?></p>
<?cs call:html_close() ?>
