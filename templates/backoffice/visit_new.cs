<?cs include:"layout/macros.cs" ?>
<?cs include:"backoffice/fp_macros.cs" ?>
<?cs set:Page.scripts.fingerprint = "/static/js/fingerprint.js" ?>
<?cs include:"backoffice/visit_macros.cs" ?>
<?cs def:page_title() ?><?cs var:Lang.visits.new ?><?cs if:Contract.id ?> · <?cs var:Contract.customer ?><?cs /if ?><?cs /def ?>
<?cs def:page_body() ?>
<div class="head"><h1><?cs var:Lang.visits.new ?></h1><a class="button" href="/admin/visits"><?cs var:Lang.visits.title ?></a></div>
<?cs if:Contract.id ?>
<section class="card visit-check" id="contract-<?cs var:Contract.id ?>">
<div class="visit-person">
<?cs if:Contract.has_photo == "1" ?><img class="visit-photo" src="/admin/customers/<?cs var:Contract.customer_id ?>/photo" alt="<?cs var:Lang.visits.photo ?>: <?cs var:Contract.customer ?>"><?cs else ?><p class="visit-photo none muted"><?cs var:Lang.visits.no_photo ?></p><?cs /if ?>
<dl class="facts">
<dt><?cs var:Lang.visits.customer ?></dt><dd><strong id="customer-name"><?cs var:Contract.customer ?></strong> <small class="muted">#<?cs var:Contract.customer_id ?></small> · <a href="/admin/visits?customer=<?cs var:Contract.customer_id ?>"><?cs var:Lang.visits.history_link ?></a></dd>
<dt><?cs var:Lang.visits.cell ?></dt><dd><?cs var:Contract.cell ?> <small class="muted"><?cs var:Contract.bank ?> · <?cs var:Contract.site ?></small></dd>
<dt><?cs var:Lang.visits.contract ?></dt><dd>#<?cs var:Contract.id ?> · <span class="tag state-<?cs var:Contract.state ?>" id="contract-state"><?cs var:Lang.visits.states[Contract.state] ?></span><?cs if:Contract.state_reason ?> <small class="detail"><?cs var:Contract.state_reason ?></small><?cs /if ?></dd>
<dt><?cs var:Lang.visits.balance ?></dt><dd class="balance balance-<?cs var:Contract.balance_state ?>" id="balance"><?cs var:Lang.visits.balance_state[Contract.balance_state] ?>: <strong><?cs var:Contract.balance ?></strong></dd>
</dl>
</div>
<?cs if:Contract.state == "suspended" ?>
<p class="flash error" id="refusal"><?cs var:Lang.visits.suspended ?> <?cs if:Contract.balance_state == "due" ?><?cs var:Lang.visits.amount_due ?> <strong><?cs var:Contract.balance ?></strong>.<?cs /if ?></p>
<?cs elif:Contract.state != "active" ?>
<p class="flash error" id="refusal"><?cs var:Lang.visits.closed ?></p>
<?cs elif:Contract.open_visit ?>
<p class="flash" id="inside"><?cs var:Lang.visits.already_inside ?> <?cs var:Contract.open_since ?>.</p>
<?cs if:Can.visits_record ?><?cs call:checkout_form(OpenVisit) ?><?cs /if ?>
<?cs else ?>
<?cs if:FPState.reader == "1" ?>
<div class="fp-box" data-fp-box id="verify-box">
<h2><?cs var:Lang.fpvisits.verify_title ?></h2>
<?cs if:FPState.prints == "0" ?>
<p class="muted" id="fp-none"><?cs var:Lang.fpvisits.not_enrolled ?></p>
<?cs elif:FPState.locked == "1" ?>
<p class="flash error" id="fp-locked"><?cs var:Lang.fpvisits.locked ?> <strong><?cs var:FPState.until ?></strong>. <?cs var:Lang.fpvisits.locked_next ?></p>
<?cs else ?>
<p class="muted"><small><?cs var:Lang.fpvisits.verify_help ?></small></p>
<?cs call:fp_visit_live("verify-form", "/admin/visits/verify", "contract_id", Contract.id, Lang.fpvisits.verify_start) ?>
<?cs /if ?>
</div>
<?cs /if ?>
<form method="post" action="/admin/visits" class="stack" id="checkin-form">
  <?cs call:csrf() ?>
  <input type="hidden" name="contract_id" value="<?cs var:Contract.id ?>">
  <input type="hidden" name="verified_by" value="staff_override">
  <h2><?cs var:Lang.visits.override_title ?></h2>
  <p class="muted"><small><?cs var:Lang.visits.override_help ?></small></p>
  <label><?cs var:Lang.fields.override_reason ?> <textarea name="override_reason" rows="3" maxlength="500" required<?cs call:field_class("override_reason") ?>><?cs var:Form.override_reason ?></textarea></label>
  <fieldset class="approver"><legend><?cs var:Lang.fpvisits.approver_title ?></legend>
  <label><?cs var:Lang.fields.approver ?> <input name="approver" value="<?cs var:Form.approver ?>" maxlength="64" autocomplete="off" required<?cs call:field_class("approver") ?>></label>
  <label><?cs var:Lang.fields.approver_password ?> <input type="password" name="approver_password" maxlength="256" autocomplete="off" required<?cs call:field_class("approver") ?>></label>
  </fieldset>
  <div class="actions"><button type="submit" class="primary"><?cs var:Lang.visits.override_submit ?></button></div>
</form>
<?cs /if ?>
</section>
<?cs else ?>
<form method="get" action="/admin/visits/new" class="filters" id="search-form">
  <label><?cs var:Lang.visits.search ?> <input name="q" value="<?cs var:Search.q ?>" maxlength="160" size="24" title="<?cs var:Lang.visits.customer_help ?>" autofocus<?cs call:field_class("customer") ?>></label>
  <button type="submit"><?cs var:Lang.visits.find ?></button>
</form>
<?cs if:Searched ?>
<?cs if:subcount(Found) == 0 ?><p class="muted"><?cs var:Lang.visits.search_none ?></p><?cs else ?>
<table class="list compact">
<thead><tr><th><?cs var:Lang.visits.customer ?></th><th><?cs var:Lang.visits.cell ?></th><th><?cs var:Lang.visits.site ?></th><th><?cs var:Lang.visits.contract ?></th><th></th></tr></thead>
<tbody>
<?cs each:f = Found ?><tr>
<td><?cs var:f.customer ?> <small class="muted">#<?cs var:f.customer_id ?></small></td>
<td><?cs var:f.cell ?> <small class="muted"><?cs var:f.bank ?></small></td>
<td><?cs var:f.site ?></td>
<td>#<?cs var:f.contract_id ?> <span class="tag state-<?cs var:f.state ?>"><?cs var:Lang.visits.states[f.state] ?></span></td>
<td><a class="button" href="/admin/visits/new?contract=<?cs var:f.contract_id ?>"><?cs var:Lang.visits.choose ?></a></td>
</tr><?cs /each ?>
</tbody></table>
<?cs /if ?>
<?cs /if ?>
<?cs /if ?>
<?cs /def ?>
<?cs include:"layout/layout.cs" ?>
