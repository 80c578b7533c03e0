<?cs include:"layout/macros.cs" ?>
<?cs def:page_title() ?><?cs if:Form.mode == "edit" ?><?cs var:Lang.boards.edit_bus ?><?cs else ?><?cs var:Lang.boards.new_bus ?><?cs /if ?> · <?cs var:Site.name ?><?cs /def ?>
<?cs def:page_body() ?>
<h1><?cs if:Form.mode == "edit" ?><?cs var:Lang.boards.edit_bus ?><?cs else ?><?cs var:Lang.boards.new_bus ?><?cs /if ?> <small class="muted"><a href="/admin/sites/<?cs var:Site.id ?>/buses"><?cs var:Site.name ?></a></small></h1>
<form method="post" class="card stack" id="bus-form" action="<?cs if:Form.mode == "edit" ?>/admin/buses/<?cs var:Bus.id ?>/edit<?cs else ?>/admin/sites/<?cs var:Site.id ?>/buses<?cs /if ?>">
  <?cs call:csrf() ?>
  <div class="row">
    <label><?cs var:Lang.fields.name ?> <input name="name" value="<?cs var:Bus.name ?>" required maxlength="64"<?cs call:field_class("name") ?>></label>
    <label><?cs var:Lang.fields.device ?> <input name="device" value="<?cs var:Bus.device ?>" required maxlength="255" placeholder="/dev/ttyUSB0"<?cs call:field_class("device") ?>></label>
  </div>
  <p class="muted"><small><?cs var:Lang.boards.device_help ?></small></p>
  <div class="row">
    <label><?cs var:Lang.fields.protocol ?> <select name="protocol"<?cs call:field_class("protocol") ?>><?cs each:p = Protocols ?><option value="<?cs var:p ?>"<?cs if:p == Bus.protocol ?> selected<?cs /if ?>><?cs var:Lang.boards.protocols[p] ?></option><?cs /each ?></select></label>
    <label><?cs var:Lang.fields.baud ?> <select name="baud"<?cs call:field_class("baud") ?>><?cs each:b = Bauds ?><option<?cs if:b == Bus.baud ?> selected<?cs /if ?>><?cs var:b ?></option><?cs /each ?></select></label>
  </div>
  <fieldset><legend><?cs var:Lang.boards.timing ?></legend>
  <div class="row">
    <label><?cs var:Lang.fields.poll_ms ?> <input name="poll_ms" type="number" min="50" max="60000" value="<?cs var:Bus.poll_ms ?>" required<?cs call:field_class("poll_ms") ?>></label>
    <label><?cs var:Lang.fields.reply_timeout_ms ?> <input name="reply_timeout_ms" type="number" min="5" max="5000" value="<?cs var:Bus.reply_timeout_ms ?>" required<?cs call:field_class("reply_timeout_ms") ?>></label>
    <label><?cs var:Lang.fields.retries ?> <input name="retries" type="number" min="0" max="5" value="<?cs var:Bus.retries ?>" required<?cs call:field_class("retries") ?>></label>
  </div>
  <div class="row">
    <label><?cs var:Lang.fields.open_confirm_ms ?> <input name="open_confirm_ms" type="number" min="100" max="60000" value="<?cs var:Bus.open_confirm_ms ?>" required<?cs call:field_class("open_confirm_ms") ?>></label>
    <label><?cs var:Lang.fields.door_open_alarm_s ?> <input name="door_open_alarm_s" type="number" min="5" max="86400" value="<?cs var:Bus.door_open_alarm_s ?>" required<?cs call:field_class("door_open_alarm_s") ?>></label>
    <label><?cs var:Lang.fields.silent_after ?> <input name="silent_after" type="number" min="1" max="100" value="<?cs var:Bus.silent_after ?>" required<?cs call:field_class("silent_after") ?>></label>
  </div>
  </fieldset>
  <label class="check"><input type="checkbox" name="enabled" value="1"<?cs if:Bus.enabled == "1" ?> checked<?cs /if ?>> <?cs var:Lang.fields.enabled ?></label>
  <div class="actions"><button type="submit" class="primary"><?cs var:Lang.common.save ?></button> <a href="/admin/sites/<?cs var:Site.id ?>/buses"><?cs var:Lang.common.cancel ?></a></div>
</form>
<?cs /def ?>
<?cs include:"layout/layout.cs" ?>
