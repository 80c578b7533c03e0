<?cs include:"layout/macros.cs" ?>
<?cs def:page_title() ?><?cs if:Form.mode == "edit" ?><?cs var:Lang.boards.edit_board ?><?cs else ?><?cs var:Lang.boards.new_board ?><?cs /if ?> · <?cs var:Bus.name ?><?cs /def ?>
<?cs def:page_body() ?>
<h1><?cs if:Form.mode == "edit" ?><?cs var:Lang.boards.edit_board ?><?cs else ?><?cs var:Lang.boards.new_board ?><?cs /if ?> <small class="muted"><?cs var:Lang.boards.on_bus ?> <a href="/admin/sites/<?cs var:Site.id ?>/buses"><?cs var:Bus.name ?></a> (<?cs var:Lang.boards.protocols[Bus.protocol] ?>) · <?cs var:Site.name ?></small></h1>
<form method="post" class="card stack" id="board-form" action="<?cs if:Form.mode == "edit" ?>/admin/boards/<?cs var:Board.id ?>/edit<?cs else ?>/admin/buses/<?cs var:Bus.id ?>/boards<?cs /if ?>">
  <?cs call:csrf() ?>
  <div class="row">
    <label><?cs var:Lang.fields.address ?> <input name="address" type="number" min="<?cs if:Bus.protocol == "cu" ?>0<?cs else ?>1<?cs /if ?>" max="<?cs if:Bus.protocol == "cu" ?>31<?cs else ?>247<?cs /if ?>" value="<?cs var:Board.address ?>" required<?cs call:field_class("address") ?>></label>
    <label><?cs var:Lang.fields.channels ?> <input name="channels" type="number" min="1" max="48" value="<?cs var:Board.channels ?>" required<?cs call:field_class("channels") ?>></label>
    <label><?cs var:Lang.fields.pulse_ms ?> <input name="pulse_ms" type="number" min="100" max="10000" value="<?cs var:Board.pulse_ms ?>" required<?cs call:field_class("pulse_ms") ?>></label>
  </div>
  <p class="muted"><small><?cs var:Lang.boards.address_help ?></small></p>
  <label class="check"><input type="checkbox" name="timed_pulse" value="1"<?cs if:Board.timed_pulse == "1" ?> checked<?cs /if ?>> <?cs var:Lang.fields.timed_pulse ?></label>
  <p class="muted"><small><?cs var:Lang.boards.pulse_help ?></small></p>
  <div class="actions"><button type="submit" class="primary"><?cs var:Lang.common.save ?></button> <a href="/admin/sites/<?cs var:Site.id ?>/buses"><?cs var:Lang.common.cancel ?></a></div>
</form>
<?cs /def ?>
<?cs include:"layout/layout.cs" ?>
