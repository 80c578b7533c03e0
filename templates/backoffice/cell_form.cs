<?cs include:"layout/macros.cs" ?>
<?cs def:page_title() ?><?cs var:Lang.cells.cell ?> <?cs var:Cell.label ?><?cs /def ?>
<?cs def:page_body() ?>
<h1><?cs var:Lang.cells.cell ?> <?cs var:Cell.label ?> <small class="muted"><a href="/admin/banks/<?cs var:Cell.bank_id ?>"><?cs var:Cell.bank_name ?></a> · <?cs var:Site.name ?></small></h1>
<p><span class="badge st-<?cs var:Cell.status ?>"><?cs var:Lang.status[Cell.status] ?></span><?cs if:Cell.reason ?> — <?cs var:Cell.reason ?> <small class="muted">(<?cs var:Cell.since ?> UTC)</small><?cs /if ?></p>
<?cs if:OpenResult.outcome ?><p class="flash <?cs var:OpenResult.kind ?>" role="status" id="open-result"><?cs var:Lang.doors.outcomes[OpenResult.outcome] ?><?cs if:OpenResult.replayed ?> <?cs var:Lang.doors.replayed ?><?cs /if ?>
<?cs if:OpenResult.state ?><br><small><?cs var:Lang.doors.state_now ?> <?cs var:Lang.doors.command_states[OpenResult.state] ?><?cs if:OpenResult.detail ?> — <?cs var:OpenResult.detail ?><?cs /if ?> (<code><?cs var:OpenResult.command_id ?></code>)</small><?cs /if ?></p><?cs /if ?>
<?cs include:"backoffice/cell_door.cs" ?>
<form method="post" action="/admin/cells/<?cs var:Cell.id ?>/edit" class="card stack">
  <?cs call:csrf() ?>
  <div class="row">
    <label><?cs var:Lang.fields.label ?> <input name="label" value="<?cs var:Cell.label ?>" required maxlength="32"<?cs call:field_class("label") ?>></label>
    <label><?cs var:Lang.fields.size ?> <select name="size"<?cs call:field_class("size") ?>><?cs each:s = Sizes ?><option<?cs if:s == Cell.size ?> selected<?cs /if ?>><?cs var:s ?></option><?cs /each ?></select></label>
  </div>
  <div class="row">
    <label><?cs var:Lang.fields.width ?> <input name="width" type="number" min="50" max="3000" value="<?cs var:Cell.width ?>"<?cs call:field_class("dimensions") ?>></label>
    <label><?cs var:Lang.fields.height ?> <input name="height" type="number" min="50" max="3000" value="<?cs var:Cell.height ?>"<?cs call:field_class("dimensions") ?>></label>
    <label><?cs var:Lang.fields.depth ?> <input name="depth" type="number" min="50" max="3000" value="<?cs var:Cell.depth ?>"<?cs call:field_class("dimensions") ?>></label>
  </div>
  <fieldset<?cs call:field_class("features") ?>><legend><?cs var:Lang.fields.features ?></legend>
  <?cs each:f = Features ?><label class="check"><input type="checkbox" name="features" value="<?cs var:f ?>"<?cs call:checked_in(Cell.features, f) ?>> <?cs var:Lang.features[f] ?></label> <?cs /each ?>
  </fieldset>
  <div class="actions"><button type="submit" class="primary"><?cs var:Lang.common.save ?></button></div>
</form>
<?cs if:Can.cells_service ?>
<form method="post" action="/admin/cells/<?cs var:Cell.id ?>/service" class="card stack">
  <?cs call:csrf() ?>
  <h2><?cs var:Lang.cells.service ?></h2>
  <?cs if:Cell.status == "out_of_service" ?>
  <input type="hidden" name="action" value="in">
  <button type="submit"><?cs var:Lang.cells.back_in_service ?></button>
  <?cs else ?>
  <input type="hidden" name="action" value="out">
  <label><?cs var:Lang.fields.reason ?> <input name="reason" value="<?cs var:Service.reason ?>" maxlength="255" required<?cs call:field_class("reason") ?>></label>
  <button type="submit" class="danger"><?cs var:Lang.cells.take_out ?></button>
  <?cs /if ?>
</form>
<?cs /if ?>
<?cs include:"backoffice/cell_history.cs" ?>
<?cs /def ?>
<?cs include:"layout/layout.cs" ?>
