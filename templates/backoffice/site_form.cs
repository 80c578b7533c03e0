<?cs include:"layout/macros.cs" ?>
<?cs def:page_title() ?><?cs if:Form.mode == "edit" ?><?cs var:Lang.sites.edit ?><?cs else ?><?cs var:Lang.sites.new ?><?cs /if ?><?cs /def ?>
<?cs def:page_body() ?>
<h1><?cs call:page_title() ?></h1>
<form method="post" class="card stack" action="<?cs if:Form.mode == "edit" ?>/admin/sites/<?cs var:Site.id ?>/edit<?cs else ?>/admin/sites<?cs /if ?>">
  <?cs call:csrf() ?>
  <label><?cs var:Lang.fields.name ?> <input name="name" value="<?cs var:Site.name ?>" required maxlength="120"<?cs call:field_class("name") ?>></label>
  <label><?cs var:Lang.fields.address ?> <input name="address" value="<?cs var:Site.address ?>" maxlength="255"<?cs call:field_class("address") ?>></label>
  <div class="row">
    <label><?cs var:Lang.fields.time_zone ?> <input name="time_zone" value="<?cs var:Site.time_zone ?>" required maxlength="64" placeholder="Europe/Berlin"<?cs call:field_class("time_zone") ?>></label>
    <label><?cs var:Lang.fields.currency ?> <input name="currency" value="<?cs var:Site.currency ?>" required maxlength="3" size="4" placeholder="EUR"<?cs call:field_class("currency") ?>></label>
  </div>
  <fieldset<?cs call:field_class("languages") ?>><legend><?cs var:Lang.fields.languages ?></legend>
    <?cs each:l = Languages ?><label class="check"><input type="checkbox" name="languages" value="<?cs var:l.code ?>"<?cs call:checked_in(Site.languages, l.code) ?>> <?cs var:l.name ?></label><?cs /each ?>
  </fieldset>
  <fieldset><legend><?cs var:Lang.sites.modules ?></legend>
    <label class="check"><input type="checkbox" name="modules" value="vault"<?cs if:Site.vault == "1" ?> checked<?cs /if ?>> <?cs var:Lang.modules.vault ?></label>
    <label class="check"><input type="checkbox" name="modules" value="storage"<?cs if:Site.storage == "1" ?> checked<?cs /if ?>> <?cs var:Lang.modules.storage ?></label>
    <label class="check"><input type="checkbox" name="modules" value="mailroom"<?cs if:Site.mailroom == "1" ?> checked<?cs /if ?>> <?cs var:Lang.modules.mailroom ?></label>
  </fieldset>
  <fieldset id="billing"><legend><?cs var:Lang.sites.billing ?></legend>
    <p class="muted"><small><?cs var:Lang.sites.billing_help ?></small></p>
    <label><?cs var:Lang.fields.bill_prorate ?> <select name="bill_prorate"<?cs call:field_class("bill_prorate") ?>><?cs each:p = Choices.prorate ?><option value="<?cs var:p ?>"<?cs if:p == Site.bill_prorate ?> selected<?cs /if ?>><?cs var:Lang.sites.prorate[p] ?></option><?cs /each ?></select></label>
    <small class="muted"><?cs var:Lang.sites.explain.bill_prorate ?></small>
    <div class="row">
      <label><?cs var:Lang.fields.bill_notice_days ?> <input name="bill_notice_days" type="number" min="0" max="60" required value="<?cs var:Site.bill_notice_days ?>"<?cs call:field_class("bill_notice_days") ?>></label>
      <label><?cs var:Lang.fields.bill_overdue_days ?> <input name="bill_overdue_days" type="number" min="1" max="365" required value="<?cs var:Site.bill_overdue_days ?>"<?cs call:field_class("bill_overdue_days") ?>></label>
      <label><?cs var:Lang.fields.bill_suspend_days ?> <input name="bill_suspend_days" type="number" min="1" max="365" required value="<?cs var:Site.bill_suspend_days ?>"<?cs call:field_class("bill_suspend_days") ?>></label>
      <label><?cs var:Lang.fields.bill_max_periods ?> <input name="bill_max_periods" type="number" min="1" max="24" required value="<?cs var:Site.bill_max_periods ?>"<?cs call:field_class("bill_max_periods") ?>></label>
    </div>
    <small class="muted"><?cs var:Lang.sites.explain.bill_notice_days ?> <?cs var:Lang.sites.explain.bill_overdue_days ?> <?cs var:Lang.sites.explain.bill_suspend_days ?> <?cs var:Lang.sites.explain.bill_max_periods ?></small>
  </fieldset>
  <div class="actions"><button type="submit" class="primary"><?cs var:Lang.common.save ?></button> <a href="/admin/sites<?cs if:Site.id ?>/<?cs var:Site.id ?><?cs /if ?>"><?cs var:Lang.common.cancel ?></a></div>
</form>
<?cs /def ?>
<?cs include:"layout/layout.cs" ?>
