<?cs # One enrollment request: editable while pending, then approve (cell picked among the proposals) or reject with a reason. ?>
<?cs include:"layout/macros.cs" ?>
<?cs def:page_title() ?><?cs var:Lang.enrollments.request ?> #<?cs var:Request.id ?><?cs /def ?>
<?cs def:ferr(name) ?><?cs if:Errors[name] ?> <small class="field-error"><?cs var:Errors[name] ?></small><?cs /if ?><?cs /def ?>
<?cs def:efield(name, type, max) ?><label><?cs var:Lang.enroll.fields[name] ?> <input name="<?cs var:name ?>" type="<?cs var:type ?>" value="<?cs var:Req[name] ?>" maxlength="<?cs var:max ?>"<?cs call:field_class(name) ?>><?cs call:ferr(name) ?></label><?cs /def ?>
<?cs def:page_body() ?>
<div class="head"><h1><?cs var:Lang.enrollments.request ?> #<?cs var:Request.id ?> <small>· <?cs var:Request.site ?></small></h1>
<span class="tag" id="request-state"><?cs var:Lang.enrollments.states[Request.state] ?></span></div>
<dl class="facts">
  <dt><?cs var:Lang.enrollments.tablet ?></dt><dd><?cs var:Request.tablet ?></dd>
  <dt><?cs var:Lang.enrollments.submitted ?></dt><dd><?cs var:string.slice(Request.submitted, 0, 19) ?> UTC</dd>
  <dt><?cs var:Lang.enroll.language ?></dt><dd><?cs var:Req.language ?></dd>
  <dt><?cs var:Lang.enrollments.consents ?></dt><dd><?cs each:k = Lang.enroll.consents ?><?cs if:Req.consents[name(k)] == "1" ?><span class="tag consent-given" data-consent="<?cs name:k ?>"><?cs var:k.title ?></span> <?cs /if ?><?cs /each ?></dd>
  <?cs if:Request.state != "pending" ?>
  <dt><?cs var:Lang.enrollments.reviewed ?></dt><dd><?cs var:string.slice(Request.reviewed, 0, 19) ?> UTC<?cs if:Request.reviewer ?> · <?cs var:Request.reviewer ?><?cs /if ?></dd>
  <?cs if:Request.reject_reason ?><dt><?cs var:Lang.enrollments.reason ?></dt><dd id="reject-reason"><?cs var:Request.reject_reason ?></dd><?cs /if ?>
  <?cs if:Request.customer_id ?><dt><?cs var:Lang.enrollments.customer ?></dt><dd><a id="customer-link" href="/admin/customers/<?cs var:Request.customer_id ?>">#<?cs var:Request.customer_id ?> <?cs var:Req.full_name ?></a></dd><?cs /if ?>
  <?cs if:Request.contract_id ?><dt><?cs var:Lang.enrollments.contract ?></dt><dd><a href="/admin/contracts/<?cs var:Request.contract_id ?>">#<?cs var:Request.contract_id ?></a></dd><?cs /if ?>
  <?cs /if ?>
</dl>

<?cs if:Request.state == "pending" ?>
<h2><?cs var:Lang.enrollments.details ?></h2>
<form method="post" action="/admin/enrollments/<?cs var:Request.id ?>/edit" class="card stack" id="enrollment-edit">
  <?cs call:csrf() ?>
  <?cs call:efield("full_name", "text", 160) ?>
  <div class="row">
    <?cs call:efield("date_of_birth", "text", 10) ?>
    <label><?cs var:Lang.enroll.fields.doc_type ?> <select name="doc_type"<?cs call:field_class("doc_type") ?>><?cs each:d = Lang.enroll.doc_types ?><option value="<?cs name:d ?>"<?cs if:Req.doc_type == name(d) ?> selected<?cs /if ?>><?cs var:d ?></option><?cs /each ?></select><?cs call:ferr("doc_type") ?></label>
    <?cs call:efield("doc_number", "text", 32) ?>
    <?cs call:efield("doc_expiry", "text", 10) ?>
  </div>
  <?cs call:efield("address", "text", 255) ?>
  <div class="row">
    <?cs call:efield("phone", "tel", 32) ?>
    <?cs call:efield("email", "email", 190) ?>
  </div>
  <div class="row">
    <?cs call:efield("nominee_name", "text", 160) ?>
    <?cs call:efield("nominee_relation", "text", 64) ?>
    <?cs call:efield("nominee_phone", "tel", 32) ?>
  </div>
  <div class="row">
    <label><?cs var:Lang.enroll.fields.size_class ?> <select name="size_class"<?cs call:field_class("size_class") ?>><?cs each:z = SizeChoices ?><option value="<?cs var:z ?>"<?cs if:Req.size_class == z ?> selected<?cs /if ?>><?cs var:z ?> · <?cs var:Lang.enroll.sizes[z] ?></option><?cs /each ?></select><?cs call:ferr("size_class") ?></label>
    <label><?cs var:Lang.enroll.fields.period ?> <select name="period"<?cs call:field_class("period") ?>><?cs each:p = Lang.enroll.periods ?><option value="<?cs name:p ?>"<?cs if:Req.period == name(p) ?> selected<?cs /if ?>><?cs var:p ?></option><?cs /each ?></select><?cs call:ferr("period") ?></label>
  </div>
  <fieldset<?cs call:field_class("features") ?>><legend><?cs var:Lang.enroll.fields.features ?></legend>
    <?cs each:f = Features ?><label class="check"><input type="checkbox" name="features" value="<?cs var:f ?>"<?cs call:checked_in(Req.features, f) ?>> <?cs var:Lang.features[f] ?></label><?cs /each ?>
  </fieldset>
  <div class="actions"><button type="submit"><?cs var:Lang.enrollments.save ?></button></div>
</form>

<h2><?cs var:Lang.enrollments.approve ?></h2>
<form method="post" action="/admin/enrollments/<?cs var:Request.id ?>/approve" class="card stack" id="enrollment-approve">
  <?cs call:csrf() ?>
  <p class="muted"><?cs var:Lang.enrollments.approve_help ?></p>
  <?cs if:subcount(Cells) == 0 ?><p class="flash error" id="no-cells"><?cs var:Lang.enrollments.no_cells ?></p><?cs else ?>
  <fieldset<?cs call:field_class("cell_id") ?>><legend><?cs var:Lang.enrollments.cell ?></legend>
    <?cs each:c = Cells ?><label class="check"><input type="radio" name="cell_id" value="<?cs var:c.id ?>"<?cs if:first(c) ?> checked<?cs /if ?>> <strong><?cs var:c.label ?></strong> · <?cs var:c.bank ?> · <?cs var:c.size ?> (<?cs var:c.w ?>×<?cs var:c.h ?>×<?cs var:c.d ?>)<?cs if:c.features ?> · <?cs var:c.features ?><?cs /if ?></label><br><?cs /each ?>
  </fieldset>
  <div class="actions"><button type="submit" class="primary" id="approve"><?cs var:Lang.enrollments.approve ?></button></div>
  <?cs /if ?>
</form>

<h2><?cs var:Lang.enrollments.reject ?></h2>
<form method="post" action="/admin/enrollments/<?cs var:Request.id ?>/reject" class="card stack" id="enrollment-reject">
  <?cs call:csrf() ?>
  <label><?cs var:Lang.enrollments.reason ?> <textarea name="reason" required maxlength="500" rows="2"<?cs call:field_class("reason") ?>><?cs var:Reject.reason ?></textarea></label>
  <div class="actions"><button type="submit" class="danger"><?cs var:Lang.enrollments.reject ?></button></div>
</form>
<?cs else ?>
<section class="card">
<dl class="facts">
  <?cs each:f = Lang.enroll.fields ?><?cs if:name(f) == "doc_type" ?><dt><?cs var:f ?></dt><dd><?cs var:Lang.enroll.doc_types[Req.doc_type] ?></dd><?cs elif:name(f) == "size_class" ?><dt><?cs var:f ?></dt><dd><?cs var:Lang.enroll.sizes[Req.size_class] ?></dd><?cs elif:name(f) == "period" ?><dt><?cs var:f ?></dt><dd><?cs var:Lang.enroll.periods[Req.period] ?></dd><?cs elif:Req[name(f)] ?><dt><?cs var:f ?></dt><dd><?cs var:Req[name(f)] ?></dd><?cs /if ?><?cs /each ?>
</dl>
</section>
<?cs /if ?>
<p><a href="/admin/enrollments"><?cs var:Lang.common.back ?></a></p>
<?cs /def ?>
<?cs include:"layout/layout.cs" ?>
