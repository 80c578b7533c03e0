<?cs # A balance: "due X" (owed by the customer), "credit X" or "0". ?>
<?cs def:balance(b) ?><?cs if:b.kind == "due" ?><span class="balance-due"><?cs var:Lang.customers.due ?> <?cs var:b.amount ?></span><?cs elif:b.kind == "credit" ?><span class="credit"><?cs var:Lang.customers.credit ?> <?cs var:b.amount ?></span><?cs else ?>0<?cs /if ?><?cs /def ?>
<?cs def:contract_state(s) ?><span class="tag state-<?cs var:s ?>"><?cs var:Lang.contracts.states[s] ?></span><?cs /def ?>
