<?cs # Pieces shared by the account, journal and statement pages. ?>
<?cs # field_class for one of several forms on a page: marks the field only in the form that failed. ?>
<?cs def:form_field_class(which, name) ?><?cs if:Form.which == which && Form.error.field == name ?> class="invalid" aria-invalid="true"<?cs /if ?><?cs /def ?>
<?cs # The customer's balance in one clear line. ?>
<?cs def:balance_line() ?><p class="balance balance-<?cs var:Balance.state ?>" id="balance"><?cs var:Lang.payments.balance[Balance.state] ?><?cs if:Balance.state != "settled" ?> <strong><?cs var:Balance.amount ?></strong><?cs /if ?></p><?cs /def ?>
<?cs def:doc_title(series, document, id) ?><?cs if:series == "receipt" ?><?cs var:Lang.payments.receipt ?> <?cs var:document ?><?cs elif:series == "invoice" ?><?cs var:Lang.payments.invoice ?> <?cs var:document ?><?cs else ?><?cs var:Lang.payments.journal ?> #<?cs var:id ?><?cs /if ?><?cs /def ?>
<?cs def:print_button() ?><button type="button" class="button" data-print hidden><?cs var:Lang.payments.print ?></button><?cs /def ?>
