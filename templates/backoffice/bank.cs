<?cs include:"layout/macros.cs" ?>
<?cs def:page_title() ?><?cs var:Bank.name ?> · <?cs var:Site.name ?><?cs /def ?>
<?cs def:page_body() ?>
<div class="head"><h1><?cs var:Bank.name ?> <small class="muted"><a href="/admin/sites/<?cs var:Site.id ?>"><?cs var:Site.name ?></a></small></h1>
<a class="button" href="/admin/sites/<?cs var:Site.id ?>/grid?bank=<?cs var:Bank.id ?>"><?cs var:Lang.grid.open ?></a></div>
<?cs if:Bank.location ?><p class="muted"><?cs var:Bank.location ?></p><?cs /if ?>
<table class="list" id="cells">
<thead><tr><th>#</th><th><?cs var:Lang.fields.label ?></th><th><?cs var:Lang.fields.size ?></th><th><?cs var:Lang.cells.inner ?></th><th><?cs var:Lang.fields.features ?></th><th><?cs var:Lang.fields.status ?></th><th><?cs var:Lang.wiring.lock ?></th><th></th></tr></thead>
<tbody>
<?cs each:c = Cells ?><tr data-cell="<?cs var:c.id ?>">
<td><?cs var:c.number ?></td><td><?cs var:c.label ?></td><td><?cs var:c.size ?></td>
<td><?cs var:c.width ?>×<?cs var:c.height ?>×<?cs var:c.depth ?> mm</td>
<td><?cs if:c.features ?><?cs var:c.features ?><?cs /if ?></td>
<td><span class="badge st-<?cs var:c.status ?>"><?cs var:Lang.status[c.status] ?></span><?cs if:c.reason ?> <small><?cs var:c.reason ?></small><?cs /if ?></td>
<td class="lock"><?cs if:Locks[c.id].channel ?><?cs var:Locks[c.id].bus ?> · <?cs var:Lang.wiring.address ?> <?cs var:Locks[c.id].address ?> · <?cs var:Lang.wiring.channel ?> <?cs var:Locks[c.id].channel ?><?cs if:Locks[c.id].sensor != "1" ?> <small class="muted">(<?cs var:Lang.wiring.no_sensor ?>)</small><?cs /if ?><?cs else ?><span class="muted"><?cs var:Lang.wiring.none ?></span><?cs /if ?></td>
<td><?cs if:Can.inventory_manage ?><a href="/admin/cells/<?cs var:c.id ?>"><?cs var:Lang.common.edit ?></a><?cs /if ?></td>
</tr><?cs /each ?>
</tbody></table>
<?cs if:Can.boards_manage ?>
<h2><?cs var:Lang.wiring.wire_title ?></h2>
<?cs if:subcount(Wiring.boards) == 0 ?><p class="muted"><?cs var:Lang.wiring.no_boards ?> <a href="/admin/sites/<?cs var:Site.id ?>/buses"><?cs var:Lang.boards.link ?></a></p><?cs else ?>
<form method="post" action="/admin/banks/<?cs var:Bank.id ?>/wire" class="card stack" id="wire-form">
  <?cs call:csrf() ?>
  <p class="muted"><?cs var:Lang.wiring.wire_help ?></p>
  <div class="row">
    <label><?cs var:Lang.fields.board ?> <select name="board"<?cs call:field_class("board") ?>><?cs each:b = Wiring.boards ?><option value="<?cs var:b.id ?>"<?cs if:b.id == Wire.board ?> selected<?cs /if ?>><?cs var:b.bus ?> · <?cs var:Lang.wiring.address ?> <?cs var:b.address ?> (<?cs var:b.channels ?> <?cs var:Lang.wiring.channels ?>, <?cs var:b.wired ?> <?cs var:Lang.wiring.used ?>)</option><?cs /each ?></select></label>
    <label><?cs var:Lang.fields.first_channel ?> <input name="first_channel" type="number" min="1" max="48" value="<?cs if:Wire.first_channel ?><?cs var:Wire.first_channel ?><?cs else ?>1<?cs /if ?>" required<?cs call:field_class("first_channel") ?>></label>
  </div>
  <label class="check"><input type="checkbox" name="has_sensor" value="1"<?cs if:Wire.has_sensor != "0" ?> checked<?cs /if ?>> <?cs var:Lang.fields.has_sensor ?></label>
  <div class="actions"><button type="submit" class="primary" name="action" value="wire"><?cs var:Lang.wiring.wire_submit ?></button></div>
</form>
<?cs /if ?>
<?cs if:Wiring.wired > 0 ?>
<form method="post" action="/admin/banks/<?cs var:Bank.id ?>/wire" class="inline" id="unwire-form" data-confirm="<?cs var:Lang.wiring.unwire_confirm ?>">
  <?cs call:csrf() ?><input type="hidden" name="action" value="unwire">
  <button type="submit"><?cs var:Lang.wiring.unwire ?></button>
</form>
<?cs /if ?>
<?cs /if ?>
<?cs /def ?>
<?cs include:"layout/layout.cs" ?>
