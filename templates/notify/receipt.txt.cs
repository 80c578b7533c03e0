<?cs include:"notify/macros.cs" ?>
<?cs def:balance() ?><?cs if:Notice.balance_sign == "positive" ?><?cs var:Text.balance_positive ?><?cs elif:Notice.balance_sign == "negative" ?><?cs var:Text.balance_negative ?><?cs else ?><?cs var:Text.balance_zero ?><?cs /if ?><?cs /def ?>
<?cs call:text_open() ?><?cs var:Text.line ?> <?cs call:balance() ?><?cs call:text_close() ?>
