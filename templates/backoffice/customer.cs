<?cs include:"layout/macros.cs" ?>
<?cs include:"backoffice/customer_macros.cs" ?>
<?cs include:"backoffice/outbox_macros.cs" ?>
<?cs include:"backoffice/fp_macros.cs" ?>
<?cs def:page_title() ?><?cs var:Customer.full_name ?><?cs /def ?>
<?cs def:page_body() ?>
<div class="head"><h1><?cs var:Customer.full_name ?> <small class="muted"><?cs var:Customer.site_name ?></small></h1>
<?cs if:Can.customers_manage ?><a class="button" href="/admin/customers/<?cs var:Customer.id ?>/edit"><?cs var:Lang.common.edit ?></a><?cs /if ?></div>

<section class="card">
<h2><?cs var:Lang.customers.balance ?>: <?cs call:balance(Balance) ?></h2>
<p class="muted"><?cs var:Lang.customers.balance_hint ?></p>
<?cs if:Dues.stage ?><p class="flash <?cs if:Dues.stage == "suspended" ?>error<?cs else ?>warn<?cs /if ?>" id="due-stage"><strong><?cs var:Lang.customers.dues[Dues.stage] ?></strong>: <?cs var:Dues.amount ?> <?cs var:Lang.customers.dues.unpaid_since ?> <?cs var:Dues.oldest_unpaid ?> <small class="muted">(<?cs var:Lang.customers.dues.stage_since ?> <?cs var:Dues.since ?>)</small><br><small><?cs var:Lang.customers.dues.help[Dues.stage] ?></small></p><?cs /if ?>
<p><?cs if:Can.ledger_view ?><a href="/admin/customers/<?cs var:Customer.id ?>/account"><?cs var:Lang.customers.account ?></a> · <a href="/admin/customers/<?cs var:Customer.id ?>/statement"><?cs var:Lang.customers.statement ?></a> · <?cs /if ?><?cs if:Can.visits_view ?><a href="/admin/visits?customer=<?cs var:Customer.id ?>"><?cs var:Lang.customers.visits ?></a><?cs /if ?></p>
</section>

<div class="row">
<section class="card">
<h2><?cs var:Lang.customers.profile ?></h2>
<dl class="facts">
  <dt><?cs var:Lang.fields.date_of_birth ?></dt><dd><?cs var:Customer.date_of_birth ?></dd>
  <dt><?cs var:Lang.fields.doc_type ?></dt><dd><?cs var:Lang.customers.doc_types[Customer.doc_type] ?> <?cs var:Customer.doc_number ?></dd>
  <dt><?cs var:Lang.fields.doc_expiry ?></dt><dd><?cs var:Customer.doc_expiry ?></dd>
  <dt><?cs var:Lang.fields.address ?></dt><dd><?cs var:Customer.address ?></dd>
  <dt><?cs var:Lang.fields.phone ?></dt><dd><?cs var:Customer.phone ?></dd>
  <dt><?cs var:Lang.fields.email ?></dt><dd><?cs var:Customer.email ?></dd>
  <dt><?cs var:Lang.fields.nominee_name ?></dt><dd><?cs var:Customer.nominee_name ?><?cs if:Customer.nominee_relation ?> (<?cs var:Customer.nominee_relation ?>)<?cs /if ?> <?cs var:Customer.nominee_phone ?></dd>
  <dt><?cs var:Lang.fields.co_holder_name ?></dt><dd><?cs var:Customer.co_holder_name ?></dd>
  <dt><?cs var:Lang.fields.language ?></dt><dd><?cs var:Customer.language ?></dd>
  <dt><?cs var:Lang.fields.payment_preference ?></dt><dd><?cs var:Lang.contracts.periods[Customer.payment_preference] ?></dd>
  <dt><?cs var:Lang.customers.notify ?></dt><dd id="notify-prefs"><?cs if:Customer.notify_sms == "1" ?><span class="tag"><?cs var:Lang.outbox.channels.sms ?></span><?cs if:!Customer.phone ?> <small class="muted"><?cs var:Lang.customers.no_phone_for_sms ?></small><?cs /if ?> <?cs /if ?><?cs if:Customer.notify_email == "1" ?><span class="tag"><?cs var:Lang.outbox.channels.email ?></span><?cs if:!Customer.email ?> <small class="muted"><?cs var:Lang.customers.no_address_for_email ?></small><?cs /if ?> <?cs /if ?><?cs if:Customer.notify_sms != "1" && Customer.notify_email != "1" ?><?cs var:Lang.customers.no_channels ?><?cs /if ?><?cs if:Customer.notify_optout == "1" ?><br><small><?cs var:Lang.customers.opted_out ?></small><?cs /if ?></dd>
  <dt><?cs var:Lang.fields.notes ?></dt><dd class="pre"><?cs var:Customer.notes ?></dd>
  <dt><?cs var:Lang.customers.source ?></dt><dd><?cs var:Lang.customers.sources[Customer.source] ?>, <?cs var:Customer.created_at ?> UTC</dd>
</dl>
</section>
<section class="card">
<h2><?cs var:Lang.fields.photo ?></h2>
<?cs if:Customer.has_photo == "1" ?><img class="visit-photo" src="/admin/customers/<?cs var:Customer.id ?>/photo" alt="<?cs var:Lang.fields.photo ?>" width="180"><?cs else ?><p class="muted"><?cs var:Lang.customers.no_photo ?></p><?cs /if ?>
<?cs if:Can.customers_manage ?>
<form method="post" action="/admin/customers/<?cs var:Customer.id ?>/photo" enctype="multipart/form-data" class="stack">
  <?cs call:csrf() ?>
  <label><?cs var:Lang.customers.upload_photo ?> <input type="file" name="photo" accept="image/jpeg,image/png,image/webp" required<?cs call:field_class("photo") ?>></label>
  <small class="muted"><?cs var:Lang.customers.photo_hint ?></small>
  <button type="submit"><?cs var:Lang.customers.upload ?></button>
</form>
<?cs /if ?>
</section>
</div>

<section class="card">
<h2><?cs var:Lang.customers.consents ?></h2>
<table class="list">
<thead><tr><th><?cs var:Lang.customers.consent ?></th><th><?cs var:Lang.customers.consent_state ?></th><?cs if:Can.customers_manage ?><th><?cs var:Lang.common.actions ?></th><?cs /if ?></tr></thead>
<tbody>
<?cs each:k = Consents ?><tr>
<td><?cs var:Lang.customers.consent_kinds[k.kind] ?></td>
<td><?cs if:k.active == "1" ?><?cs var:Lang.customers.granted ?> <?cs var:k.granted_at ?> UTC (<?cs var:k.version ?>)<?cs elif:k.withdrawn_at ?><?cs var:Lang.customers.withdrawn ?> <?cs var:k.withdrawn_at ?> UTC<?cs else ?><span class="muted"><?cs var:Lang.customers.not_given ?></span><?cs /if ?></td>
<?cs if:Can.customers_manage ?><td><form method="post" action="/admin/customers/<?cs var:Customer.id ?>/consents" class="inline"><?cs call:csrf() ?><input type="hidden" name="kind" value="<?cs var:k.kind ?>">
<?cs if:k.active == "1" ?><input type="hidden" name="action" value="withdraw"><button type="submit" class="link"><?cs var:Lang.customers.withdraw ?></button><?cs else ?><input type="hidden" name="action" value="record"><button type="submit" class="link"><?cs var:Lang.customers.record ?></button><?cs /if ?></form></td><?cs /if ?>
</tr><?cs /each ?>
</tbody></table>
</section>

<section class="card" id="fingerprints">
<div class="head"><h2><?cs var:Lang.fingerprints.title ?></h2><?cs if:Can.fingerprints_enroll && FpConsent == "1" ?><a class="button primary" id="fp-enroll-link" href="/admin/customers/<?cs var:Customer.id ?>/fingerprints/enroll"><?cs var:Lang.fingerprints.enroll ?></a><?cs /if ?></div>
<?cs if:FpConsent != "1" ?><p class="flash warn" id="fp-consent-needed"><?cs var:Lang.fingerprints.consent_needed ?></p><?cs /if ?>
<?cs call:fp_list(Fingerprints) ?>
</section>

<section class="card">
<div class="head"><h2><?cs var:Lang.contracts.title ?></h2><?cs if:Can.contracts_manage ?><a class="button primary" href="/admin/customers/<?cs var:Customer.id ?>/contracts/new"><?cs var:Lang.contracts.new ?></a><?cs /if ?></div>
<?cs if:subcount(Contracts) == 0 ?><p class="muted"><?cs var:Lang.contracts.none ?></p><?cs else ?>
<table class="list">
<thead><tr><th>#</th><th><?cs var:Lang.contracts.cell ?></th><th><?cs var:Lang.fields.period ?></th><th class="num"><?cs var:Lang.fields.price ?></th><th><?cs var:Lang.fields.starts_on ?></th><th><?cs var:Lang.contracts.state ?></th></tr></thead>
<tbody>
<?cs each:k = Contracts ?><tr>
<td><a href="/admin/contracts/<?cs var:k.id ?>"><?cs var:k.id ?></a></td><td><?cs var:k.cell ?> <small class="muted"><?cs var:k.bank ?>, <?cs var:k.size ?></small></td>
<td><?cs var:Lang.contracts.periods[k.period] ?></td><td class="num"><?cs var:k.price ?></td><td><?cs var:k.starts_on ?><?cs if:k.ends_on ?> – <?cs var:k.ends_on ?><?cs /if ?></td>
<td><?cs call:contract_state(k.state) ?><?cs if:k.arrears == "1" ?> <span class="tag arrears"><?cs var:Lang.contracts.arrears_short ?></span><?cs /if ?><?cs if:k.parked == "1" ?> <span class="tag parked"><?cs var:Lang.contracts.parked_short ?></span><?cs /if ?><?cs if:k.reason ?> <small><?cs var:k.reason ?></small><?cs /if ?></td>
</tr><?cs /each ?>
</tbody></table>
<?cs /if ?>
</section>

<?cs if:Can.outbox_view ?>
<section class="card" id="customer-messages">
<div class="head"><h2><?cs var:Lang.customers.recent_messages ?></h2><a href="/admin/outbox?customer=<?cs var:Customer.id ?>"><?cs var:Lang.outbox.all_messages ?></a></div>
<?cs if:subcount(Messages) == 0 ?><p class="muted"><?cs var:Lang.outbox.none ?></p><?cs else ?>
<table class="list compact">
<thead><?cs call:msg_head() ?></thead>
<tbody><?cs call:msg_rows(Messages) ?></tbody>
</table>
<?cs /if ?>
</section>
<?cs /if ?>
<?cs /def ?>
<?cs include:"layout/layout.cs" ?>
