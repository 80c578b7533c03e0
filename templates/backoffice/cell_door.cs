<?cs # The cell page's door: its lock (bus, board address, channel, sensor), the door's last
   known state and, for those who may, the form that opens it.  The form's command_id is
   made when the page is rendered, so sending the form twice replays one command. ?>
<section class="card stack" id="door">
<h2><?cs var:Lang.doors.title ?></h2>
<?cs if:Lock.channel ?>
<dl class="facts">
  <dt><?cs var:Lang.wiring.lock ?></dt>
  <dd id="lock"><?cs var:Lang.boards.bus ?> <a href="/admin/sites/<?cs var:Site.id ?>/buses"><?cs var:Lock.bus ?></a> · <?cs var:Lang.boards.protocols[Lock.protocol] ?> · <?cs var:Lang.wiring.address ?> <?cs var:Lock.address ?> · <?cs var:Lang.wiring.channel ?> <?cs var:Lock.channel ?> · <?cs if:Lock.sensor == "1" ?><?cs var:Lang.wiring.sensor ?><?cs else ?><?cs var:Lang.wiring.no_sensor ?><?cs /if ?>
  <?cs if:Lock.enabled != "1" ?><span class="tag state-closed"><?cs var:Lang.doors.bus_off ?></span><?cs /if ?></dd>
  <dt><?cs var:Lang.doors.door ?></dt>
  <dd id="door-state"><?cs if:Door.door ?><span class="door-state door-<?cs var:Door.door ?>"><?cs var:Lang.doors.door_states[Door.door] ?></span> <small class="muted"><?cs var:Lang.doors.since ?> <?cs var:Door.changed ?></small> ·
  <?cs if:Door.occupied == "1" ?><?cs var:Lang.doors.occupied ?><?cs elif:Door.occupied == "0" ?><?cs var:Lang.doors.empty ?><?cs else ?><span class="muted"><?cs var:Lang.doors.no_sensor ?></span><?cs /if ?>
  <?cs else ?><span class="muted"><?cs var:Lang.doors.no_state ?></span><?cs /if ?></dd>
</dl>
<?cs if:Can.cells_open ?>
<form method="post" action="/admin/cells/<?cs var:Cell.id ?>/open" class="stack" id="open-form" data-confirm="<?cs var:Lang.doors.open_confirm ?>">
  <?cs call:csrf() ?>
  <input type="hidden" name="command_id" value="<?cs var:OpenForm.command_id ?>">
  <h3><?cs var:Lang.doors.open_title ?></h3>
  <p class="muted"><?cs var:Lang.doors.open_help ?></p>
  <label><?cs var:Lang.fields.reason ?> <input name="reason" value="<?cs var:OpenForm.reason ?>" required maxlength="255"<?cs call:field_class("reason") ?>></label>
  <div class="actions"><button type="submit" class="danger"><?cs var:Lang.doors.open_submit ?></button></div>
</form>
<?cs /if ?>
<?cs else ?>
<p class="muted" id="lock"><?cs var:Lang.doors.not_wired ?></p>
<?cs /if ?>
</section>
