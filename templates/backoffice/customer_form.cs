<?cs include:"layout/macros.cs" ?>
<?cs def:page_title() ?><?cs if:Form.mode == "edit" ?><?cs var:Lang.customers.edit ?><?cs else ?><?cs var:Lang.customers.new ?><?cs /if ?><?cs /def ?>
<?cs def:text_field(name, value, max, type) ?><label><?cs var:Lang.fields[name] ?> <input name="<?cs var:name ?>" type="<?cs var:type ?>" value="<?cs var:value ?>" maxlength="<?cs var:max ?>"<?cs call:field_class(name) ?>></label><?cs /def ?>
<?cs def:page_body() ?>
<h1><?cs call:page_title() ?><?cs if:Form.mode == "edit" ?> <small class="muted"><?cs var:Customer.full_name ?></small><?cs /if ?></h1>
<form method="post" class="card stack" action="<?cs if:Form.mode == "edit" ?>/admin/customers/<?cs var:Customer.id ?>/edit<?cs else ?>/admin/customers<?cs /if ?>">
  <?cs call:csrf() ?>
  <?cs if:Form.mode != "edit" ?>
  <label><?cs var:Lang.fields.site_id ?> <select name="site_id" required<?cs call:field_class("site_id") ?>><option value=""></option><?cs each:s = Choices.sites ?><option value="<?cs var:s.id ?>"<?cs if:s.id == Customer.site_id ?> selected<?cs /if ?>><?cs var:s.name ?></option><?cs /each ?></select></label>
  <?cs if:subcount(Choices.sites) == 0 ?><p class="muted"><?cs var:Lang.customers.no_vault_sites ?></p><?cs /if ?>
  <?cs /if ?>
  <fieldset><legend><?cs var:Lang.customers.person ?></legend>
  <?cs call:text_field("full_name", Customer.full_name, "160", "text") ?>
  <div class="row">
    <?cs call:text_field("date_of_birth", Customer.date_of_birth, "10", "date") ?>
    <label><?cs var:Lang.fields.language ?> <select name="language"<?cs call:field_class("language") ?>><?cs each:l = Languages ?><option value="<?cs var:l.code ?>"<?cs if:l.code == Customer.language ?> selected<?cs /if ?>><?cs var:l.name ?></option><?cs /each ?></select></label>
  </div>
  <div class="row">
    <label><?cs var:Lang.fields.doc_type ?> <select name="doc_type"<?cs call:field_class("doc_type") ?>><?cs each:d = Choices.doc_types ?><option value="<?cs var:d ?>"<?cs if:d == Customer.doc_type ?> selected<?cs /if ?>><?cs var:Lang.customers.doc_types[d] ?></option><?cs /each ?></select></label>
    <?cs call:text_field("doc_number", Customer.doc_number, "32", "text") ?>
    <?cs call:text_field("doc_expiry", Customer.doc_expiry, "10", "date") ?>
  </div>
  <?cs call:text_field("address", Customer.address, "255", "text") ?>
  <div class="row">
    <?cs call:text_field("phone", Customer.phone, "32", "tel") ?>
    <?cs call:text_field("email", Customer.email, "190", "email") ?>
  </div>
  <p class="muted"><?cs var:Lang.customers.contact_hint ?></p>
  </fieldset>
  <fieldset><legend><?cs var:Lang.customers.nominee ?></legend>
  <div class="row">
    <?cs call:text_field("nominee_name", Customer.nominee_name, "160", "text") ?>
    <?cs call:text_field("nominee_relation", Customer.nominee_relation, "64", "text") ?>
    <?cs call:text_field("nominee_phone", Customer.nominee_phone, "32", "tel") ?>
  </div>
  <?cs call:text_field("co_holder_name", Customer.co_holder_name, "160", "text") ?>
  </fieldset>
  <fieldset id="notify-prefs"><legend><?cs var:Lang.customers.notify ?></legend>
    <label class="check"><input type="checkbox" name="notify_sms" value="1"<?cs if:Customer.notify_sms == "1" ?> checked<?cs /if ?><?cs call:field_class("notify_sms") ?>> <?cs var:Lang.fields.notify_sms ?></label>
    <label class="check"><input type="checkbox" name="notify_email" value="1"<?cs if:Customer.notify_email == "1" ?> checked<?cs /if ?><?cs call:field_class("notify_email") ?>> <?cs var:Lang.fields.notify_email ?></label>
    <label class="check"><input type="checkbox" name="notify_optout" value="1"<?cs if:Customer.notify_optout == "1" ?> checked<?cs /if ?><?cs call:field_class("notify_optout") ?>> <?cs var:Lang.fields.notify_optout ?></label>
    <p class="muted"><small><?cs var:Lang.customers.notify_hint ?></small></p>
  </fieldset>
  <label><?cs var:Lang.fields.payment_preference ?> <select name="payment_preference"<?cs call:field_class("payment_preference") ?>><?cs each:p = Choices.periods ?><option value="<?cs var:p ?>"<?cs if:p == Customer.payment_preference ?> selected<?cs /if ?>><?cs var:Lang.contracts.periods[p] ?></option><?cs /each ?></select></label>
  <label><?cs var:Lang.fields.notes ?> <textarea name="notes" rows="3" maxlength="1000"<?cs call:field_class("notes") ?>><?cs var:Customer.notes ?></textarea></label>
  <div class="actions"><button type="submit" class="primary"><?cs var:Lang.common.save ?></button> <a href="/admin/customers<?cs if:Customer.id ?>/<?cs var:Customer.id ?><?cs /if ?>"><?cs var:Lang.common.cancel ?></a></div>
</form>
<?cs /def ?>
<?cs include:"layout/layout.cs" ?>
