<?cs include:"notify/macros.cs" ?>
<?cs call:html_open() ?>
<p><strong><?cs var:Text.line ?></strong></p>
<p><?cs if:Notice.balance_sign == "positive" ?><?cs var:Text.balance_positive ?><?cs elif:Notice.balance_sign == "negative" ?><?cs var:Text.balance_negative ?><?cs else ?><?cs var:Text.balance_zero ?><?cs /if ?></p>
<?cs call:html_close() ?>
