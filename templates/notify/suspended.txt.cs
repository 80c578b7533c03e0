<?cs include:"notify/macros.cs" ?>
<?cs call:text_open() ?><?cs var:Text.line ?> <?cs var:Text.action ?><?cs call:text_close() ?>
