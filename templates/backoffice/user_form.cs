<?cs include:"layout/macros.cs" ?>
<?cs def:page_title() ?><?cs if:Form.mode == "edit" ?><?cs var:Lang.users.edit ?><?cs else ?><?cs var:Lang.users.new ?><?cs /if ?><?cs /def ?>
<?cs def:page_body() ?>
<h1><?cs call:page_title() ?></h1>
<form method="post" class="card stack" action="<?cs if:Form.mode == "edit" ?>/admin/users/<?cs var:Staff.id ?>/edit<?cs else ?>/admin/users<?cs /if ?>">
  <?cs call:csrf() ?>
  <div class="row">
    <label><?cs var:Lang.fields.username ?> <input name="username" value="<?cs var:Staff.username ?>" required minlength="3" maxlength="64" pattern="[A-Za-z0-9._\-]{3,64}" autocomplete="off"<?cs call:field_class("username") ?>></label>
    <label><?cs var:Lang.fields.display_name ?> <input name="display_name" value="<?cs var:Staff.display_name ?>" maxlength="120"<?cs call:field_class("display_name") ?>></label>
  </div>
  <div class="row">
    <label><?cs var:Lang.fields.role ?> <select name="role"<?cs call:field_class("role") ?>><?cs each:role = Roles ?><option value="<?cs var:role ?>"<?cs if:role == Staff.role ?> selected<?cs /if ?>><?cs var:Lang.roles[role] ?></option><?cs /each ?></select></label>
    <label><?cs var:Lang.fields.password ?> <input name="password" type="password" autocomplete="new-password" maxlength="256"<?cs if:Form.mode != "edit" ?> required minlength="10"<?cs /if ?><?cs call:field_class("password") ?>>
      <?cs if:Form.mode == "edit" ?><small class="muted"><?cs var:Lang.users.password_help ?></small><?cs /if ?></label>
  </div>
  <fieldset<?cs call:field_class("sites") ?>><legend><?cs var:Lang.fields.sites ?></legend>
    <label class="check"><input type="checkbox" name="all_sites" value="1"<?cs if:Staff.all_sites == "1" ?> checked<?cs /if ?>> <strong><?cs var:Lang.fields.all_sites ?></strong></label>
    <?cs each:s = Choices.sites ?><label class="check"><input type="checkbox" name="sites" value="<?cs var:s.id ?>"<?cs call:checked_in(Staff.sites, s.id) ?>> <?cs var:s.name ?></label> <?cs /each ?>
  </fieldset>
  <label class="check"><input type="checkbox" name="active" value="1"<?cs if:Staff.active == "1" ?> checked<?cs /if ?><?cs call:field_class("active") ?>> <?cs var:Lang.fields.active ?></label>
  <div class="actions"><button type="submit" class="primary"><?cs var:Lang.common.save ?></button> <a href="/admin/users"><?cs var:Lang.common.cancel ?></a></div>
</form>
<?cs /def ?>
<?cs include:"layout/layout.cs" ?>
