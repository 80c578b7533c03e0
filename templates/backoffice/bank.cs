<?cs include:"layout/macros.cs" ?>
<?cs def:page_title() ?><?cs var:Bank.name ?> · <?cs var:Site.name ?><?cs /def ?>
<?cs def:page_body() ?>
<div class="head"><h1><?cs var:Bank.name ?> <small class="muted"><a href="/admin/sites/<?cs var:Site.id ?>"><?cs var:Site.name ?></a></small></h1>
<a class="button" href="/admin/sites/<?cs var:Site.id ?>/grid?bank=<?cs var:Bank.id ?>"><?cs var:Lang.grid.open ?></a></div>
<?cs if:Bank.location ?><p class="muted"><?cs var:Bank.location ?></p><?cs /if ?>
<table class="list">
<thead><tr><th>#</th><th><?cs var:Lang.fields.label ?></th><th><?cs var:Lang.fields.size ?></th><th><?cs var:Lang.cells.inner ?></th><th><?cs var:Lang.fields.features ?></th><th><?cs var:Lang.fields.status ?></th><th></th></tr></thead>
<tbody>
<?cs each:c = Cells ?><tr>
<td><?cs var:c.number ?></td><td><?cs var:c.label ?></td><td><?cs var:c.size ?></td>
<td><?cs var:c.width ?>×<?cs var:c.height ?>×<?cs var:c.depth ?> mm</td>
<td><?cs if:c.features ?><?cs var:c.features ?><?cs /if ?></td>
<td><span class="badge st-<?cs var:c.status ?>"><?cs var:Lang.status[c.status] ?></span><?cs if:c.reason ?> <small><?cs var:c.reason ?></small><?cs /if ?></td>
<td><?cs if:Can.inventory_manage ?><a href="/admin/cells/<?cs var:c.id ?>"><?cs var:Lang.common.edit ?></a><?cs /if ?></td>
</tr><?cs /each ?>
</tbody></table>
<?cs /def ?>
<?cs include:"layout/layout.cs" ?>
