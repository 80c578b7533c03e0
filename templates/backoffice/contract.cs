<?cs include:"layout/macros.cs" ?>
<?cs include:"backoffice/customer_macros.cs" ?>
<?cs def:page_title() ?><?cs var:Lang.contracts.contract ?> #<?cs var:Contract.id ?><?cs /def ?>
<?cs def:page_body() ?>
<div class="head"><h1><?cs var:Lang.contracts.contract ?> #<?cs var:Contract.id ?> <?cs call:contract_state(Contract.state) ?><?cs if:Contract.arrears == "1" ?> <span class="tag arrears"><?cs var:Lang.contracts.arrears_short ?></span><?cs /if ?><?cs if:Contract.parked == "1" ?> <span class="tag parked"><?cs var:Lang.contracts.parked_short ?></span><?cs /if ?></h1>
<?cs if:Can.contracts_manage && Contract.state != "closed" ?><a class="button danger" href="/admin/contracts/<?cs var:Contract.id ?>/close"><?cs var:Lang.contracts.close ?></a><?cs /if ?></div>
<div class="row">
<section class="card">
<dl class="facts">
  <dt><?cs var:Lang.contracts.customer ?></dt><dd><a href="/admin/customers/<?cs var:Customer.id ?>"><?cs var:Customer.full_name ?></a></dd>
  <dt><?cs var:Lang.contracts.cell ?></dt><dd><a href="/admin/cells/<?cs var:Contract.cell_id ?>"><?cs var:Contract.cell ?></a> <small class="muted"><?cs var:Contract.bank ?>, <?cs var:Contract.size ?></small></dd>
  <dt><?cs var:Lang.fields.period ?></dt><dd><?cs var:Lang.contracts.periods[Contract.period] ?></dd>
  <dt><?cs var:Lang.fields.price ?></dt><dd><?cs var:Contract.price ?> <small class="muted"><?cs var:Lang.contracts.snapshot ?> <?cs var:Contract.plan_price_now ?></small></dd>
  <dt><?cs var:Lang.fields.deposit ?></dt><dd><?cs var:Contract.deposit ?> · <?cs var:Lang.contracts.deposit_held ?> <?cs var:Contract.deposit_held ?></dd>
  <dt><?cs var:Lang.fields.starts_on ?></dt><dd><?cs var:Contract.starts_on ?></dd>
  <?cs if:Contract.ends_on ?><dt><?cs var:Lang.fields.ends_on ?></dt><dd><?cs var:Contract.ends_on ?></dd><?cs /if ?>
  <?cs if:Contract.reason ?><dt><?cs var:Lang.fields.reason ?></dt><dd><?cs var:Contract.reason ?></dd><?cs /if ?>
  <?cs if:Contract.state != "closed" && Contract.next_period_on ?><dt><?cs var:Lang.contracts.next_period ?></dt><dd id="next-period"><?cs var:Lang.contracts.period_no ?> <?cs var:Contract.next_period_no ?>, <?cs var:Lang.contracts.from ?> <?cs var:Contract.next_period_on ?></dd><?cs /if ?>
  <dt><?cs var:Lang.customers.balance ?></dt><dd><?cs call:balance(Balance) ?><?cs if:Can.ledger_view ?> · <a href="/admin/customers/<?cs var:Customer.id ?>/account"><?cs var:Lang.customers.account ?></a><?cs /if ?></dd>
</dl>
<?cs if:Contract.state == "suspended" && Contract.arrears == "1" ?><p class="flash error" id="arrears-note"><strong><?cs var:Lang.contracts.arrears ?></strong><br><small><?cs var:Lang.contracts.arrears_help ?></small></p><?cs /if ?>
</section>
<?cs if:Contract.parked == "1" ?>
<section class="card" id="parked">
<h2><?cs var:Lang.contracts.parked ?></h2>
<p><?cs var:Lang.contracts.parked_periods ?>: <strong><?cs var:Contract.parked_periods ?></strong> <small class="muted">(<?cs var:Lang.contracts.parked_since ?> <?cs var:Contract.parked_at ?>)</small></p>
<p class="muted"><?cs var:Lang.contracts.parked_help ?></p>
<?cs if:Can.contracts_billing ?>
<form method="post" action="/admin/contracts/<?cs var:Contract.id ?>/billing" class="stack" id="charge-form" data-confirm="<?cs var:Lang.contracts.charge_confirm ?>">
  <?cs call:csrf() ?>
  <input type="hidden" name="action" value="charge">
  <label><?cs var:Lang.fields.reason ?> <input name="reason" maxlength="255" required value="<?cs if:Release.action == "charge" ?><?cs var:Release.reason ?><?cs /if ?>"<?cs if:Release.action == "charge" ?><?cs call:field_class("release_reason") ?><?cs /if ?>></label>
  <button type="submit" class="primary"><?cs var:Lang.contracts.charge_periods ?> (<?cs var:Contract.parked_periods ?>)</button>
</form>
<form method="post" action="/admin/contracts/<?cs var:Contract.id ?>/billing" class="stack" id="waive-form" data-confirm="<?cs var:Lang.contracts.waive_confirm ?>">
  <?cs call:csrf() ?>
  <input type="hidden" name="action" value="waive">
  <label><?cs var:Lang.fields.reason ?> <input name="reason" maxlength="255" required value="<?cs if:Release.action == "waive" ?><?cs var:Release.reason ?><?cs /if ?>"<?cs if:Release.action == "waive" ?><?cs call:field_class("release_reason") ?><?cs /if ?>></label>
  <button type="submit" class="danger"><?cs var:Lang.contracts.waive_periods ?></button>
</form>
<?cs /if ?>
</section>
<?cs /if ?>
<?cs if:Can.contracts_manage && (Contract.state == "active" || Contract.state == "suspended") ?>
<section class="card">
<form method="post" action="/admin/contracts/<?cs var:Contract.id ?>/suspend" class="stack">
  <?cs call:csrf() ?>
  <?cs if:Contract.state == "active" ?>
  <h2><?cs var:Lang.contracts.suspend ?></h2>
  <input type="hidden" name="action" value="suspend">
  <label><?cs var:Lang.fields.reason ?> <input name="reason" value="<?cs var:Ask.reason ?>" maxlength="255" required<?cs call:field_class("reason") ?>></label>
  <button type="submit" class="danger"><?cs var:Lang.contracts.suspend ?></button>
  <?cs else ?>
  <h2><?cs var:Lang.contracts.resume ?></h2>
  <input type="hidden" name="action" value="resume">
  <label><?cs var:Lang.fields.reason ?> <input name="reason" value="<?cs var:Ask.reason ?>" maxlength="255"<?cs call:field_class("reason") ?>></label>
  <button type="submit"><?cs var:Lang.contracts.resume ?></button>
  <?cs /if ?>
</form>
</section>
<?cs /if ?>
</div>
<section class="card">
<h2><?cs var:Lang.contracts.history ?></h2>
<table class="list">
<thead><tr><th><?cs var:Lang.fields.at ?></th><th><?cs var:Lang.fields.actor ?></th><th><?cs var:Lang.contracts.event ?></th><th><?cs var:Lang.contracts.state ?></th><th><?cs var:Lang.fields.detail ?></th></tr></thead>
<tbody>
<?cs each:e = Events ?><tr><td><?cs var:e.at ?> UTC</td><td><?cs var:e.actor ?></td><td><?cs var:Lang.contracts.events[e.event] ?></td>
<td><?cs if:e.from ?><?cs var:Lang.contracts.states[e.from] ?> → <?cs /if ?><?cs var:Lang.contracts.states[e.to] ?></td><td><?cs var:e.detail ?></td></tr><?cs /each ?>
</tbody></table>
</section>
<?cs /def ?>
<?cs include:"layout/layout.cs" ?>
