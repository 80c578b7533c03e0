<?cs include:"layout/macros.cs" ?>
<?cs include:"backoffice/customer_macros.cs" ?>
<?cs def:page_title() ?><?cs var:Lang.contracts.contract ?> #<?cs var:Contract.id ?><?cs /def ?>
<?cs def:page_body() ?>
<div class="head"><h1><?cs var:Lang.contracts.contract ?> #<?cs var:Contract.id ?> <?cs call:contract_state(Contract.state) ?></h1>
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
  <dt><?cs var:Lang.customers.balance ?></dt><dd><?cs call:balance(Balance) ?><?cs if:Can.ledger_view ?> · <a href="/admin/customers/<?cs var:Customer.id ?>/account"><?cs var:Lang.customers.account ?></a><?cs /if ?></dd>
</dl>
</section>
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
