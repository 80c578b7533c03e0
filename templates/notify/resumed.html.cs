<?cs include:"notify/macros.cs" ?>
<?cs call:html_open() ?>
<p><strong><?cs var:Text.line ?></strong></p>
<?cs call:html_close() ?>
