<?cs include:"layout/macros.cs" ?>
<?cs include:"backoffice/fp_macros.cs" ?>
<?cs set:Page.scripts.fingerprint = "/static/js/fingerprint.js" ?>
<?cs def:page_title() ?><?cs var:Lang.fingerprints.enroll_title ?> · <?cs var:Customer.full_name ?><?cs /def ?>
<?cs def:page_body() ?>
<div class="head"><h1><?cs var:Lang.fingerprints.enroll_title ?></h1><a class="button" href="/admin/customers/<?cs var:Customer.id ?>#fingerprints"><?cs var:Lang.fingerprints.back_to_customer ?></a></div>
<section class="card fp-enroll" data-fp-box>
<div class="visit-person">
<?cs if:Customer.has_photo == "1" ?><img class="visit-photo" src="/admin/customers/<?cs var:Customer.id ?>/photo" alt="<?cs var:Lang.fields.photo ?>: <?cs var:Customer.full_name ?>"><?cs else ?><p class="visit-photo none muted"><?cs var:Lang.customers.no_photo ?></p><?cs /if ?>
<dl class="facts">
<dt><?cs var:Lang.contracts.customer ?></dt><dd><strong id="customer-name"><?cs var:Customer.full_name ?></strong> <small class="muted">#<?cs var:Customer.id ?> · <?cs var:Customer.site_name ?></small></dd>
<?cs if:Reader.state ?><dt><?cs var:Lang.fingerprints.reader ?></dt><dd id="reader-state" class="fp-reader fp-reader-<?cs var:Reader.state ?>" data-state="<?cs var:Reader.state ?>"><?cs var:Lang.fingerprints.reader_states[Reader.state] ?><?cs if:Reader.state == "busy" && Reader.busy_with ?> (<?cs var:Lang.fingerprints.busy_with[Reader.busy_with] ?>)<?cs /if ?><?cs if:Reader.device ?> <small class="muted"><?cs var:Reader.device ?> · <?cs var:Reader.driver ?></small><?cs /if ?></dd><?cs /if ?>
</dl>
</div>
<?cs if:FpConsent != "1" ?><p class="flash warn" id="fp-consent-needed"><?cs var:Lang.fingerprints.consent_missing_here ?></p><?cs /if ?>
<form method="post" action="/admin/customers/<?cs var:Customer.id ?>/fingerprints" class="stack" id="enroll-form" data-fp-live>
  <?cs call:csrf() ?>
  <fieldset class="fp-fingers<?cs if:Form.error.field == "finger" ?> invalid<?cs /if ?>"><legend><?cs var:Lang.fingerprints.choose_finger ?></legend>
  <?cs each:f = Fingers ?><label class="check"><input type="radio" name="finger" value="<?cs var:f.name ?>"<?cs if:f.name == Form.finger ?> checked<?cs /if ?>> <?cs var:Lang.fingerprints.fingers[f.key] ?><?cs if:f.enrolled == "1" ?> <small class="tag"><?cs var:Lang.fingerprints.reenroll_replaces ?></small><?cs /if ?></label>
  <?cs /each ?></fieldset>
  <p class="muted"><small><?cs var:Lang.fingerprints.stages_hint ?></small></p>
  <div class="actions"><button type="submit" class="primary" data-fp-start<?cs if:Reader.state == "no_reader" ?> disabled<?cs /if ?>><?cs var:Lang.fingerprints.start ?></button> <a class="button" href="/admin/customers/<?cs var:Customer.id ?>#fingerprints" data-fp-cancel><?cs var:Lang.fingerprints.cancel ?></a></div>
</form>
<div class="fp-live" aria-live="polite">
  <p class="fp-prompt" data-fp-prompt data-working="<?cs var:Lang.fingerprints.prompt_working ?>" data-refused="<?cs var:Lang.fingerprints.refused ?>" data-network="<?cs var:Lang.fingerprints.network_failed ?>" data-cancelled="<?cs var:Lang.fingerprints.outcome.cancelled ?>"><?cs var:Lang.fingerprints.prompt_idle ?></p>
  <progress data-fp-progress max="<?cs if:Reader.stages > 0 ?><?cs var:Reader.stages ?><?cs else ?>5<?cs /if ?>" value="0"></progress>
  <p class="fp-stage" data-fp-stage></p>
</div>
<div data-fp-result id="fp-result"><?cs include:"backoffice/fp_enroll_result.cs" ?></div>
</section>
<section class="card" id="fingerprints">
<h2><?cs var:Lang.fingerprints.title ?></h2>
<?cs call:fp_list(Fingerprints) ?>
</section>
<?cs /def ?>
<?cs include:"layout/layout.cs" ?>
