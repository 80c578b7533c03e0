<?cs include:"layout/macros.cs" ?>
<?cs def:page_title() ?><?cs var:Lang.dashboard.title ?><?cs /def ?>
<?cs def:page_body() ?>
<h1><?cs var:Lang.dashboard.title ?></h1>
<section class="stats">
  <div class="stat"><span class="n"><?cs var:Totals.sites ?></span><?cs var:Lang.dashboard.sites ?></div>
  <div class="stat"><span class="n"><?cs var:Totals.cells ?></span><?cs var:Lang.dashboard.cells ?></div>
  <div class="stat st-free"><span class="n"><?cs var:Totals.free ?></span><?cs var:Lang.status.free ?></div>
  <div class="stat st-occupied"><span class="n"><?cs var:Totals.occupied ?></span><?cs var:Lang.status.occupied ?></div>
  <div class="stat st-reserved"><span class="n"><?cs var:Totals.reserved ?></span><?cs var:Lang.status.reserved ?></div>
  <div class="stat st-out_of_service"><span class="n"><?cs var:Totals.out_of_service ?></span><?cs var:Lang.status.out_of_service ?></div>
</section>
<h2><?cs var:Lang.dashboard.by_site ?></h2>
<?cs if:subcount(Sites) == 0 ?><p class="muted"><?cs var:Lang.sites.none ?><?cs if:Can.sites_manage ?> <a href="/admin/sites/new"><?cs var:Lang.sites.new ?></a><?cs /if ?></p><?cs else ?>
<table class="list">
<thead><tr><th><?cs var:Lang.fields.name ?></th><th><?cs var:Lang.sites.modules ?></th><th class="num"><?cs var:Lang.dashboard.cells ?></th><th class="num"><?cs var:Lang.status.free ?></th><th class="num"><?cs var:Lang.status.occupied ?></th><th class="num"><?cs var:Lang.status.out_of_service ?></th><th></th></tr></thead>
<tbody>
<?cs each:s = Sites ?><tr>
  <td><a href="/admin/sites/<?cs var:s.id ?>"><?cs var:s.name ?></a><br><small class="muted"><?cs var:s.time_zone ?> · <?cs var:s.currency ?></small></td>
  <td><?cs call:modules(s) ?></td>
  <td class="num"><?cs var:s.cells ?></td><td class="num"><?cs var:s.free ?></td><td class="num"><?cs var:s.occupied ?></td><td class="num"><?cs var:s.out_of_service ?></td>
  <td><a href="/admin/sites/<?cs var:s.id ?>/grid"><?cs var:Lang.grid.open ?></a></td>
</tr><?cs /each ?>
</tbody></table>
<?cs /if ?>
<?cs if:subcount(Recent) > 0 ?>
<h2><?cs var:Lang.dashboard.recent ?></h2>
<table class="list compact"><tbody>
<?cs each:e = Recent ?><tr><td><small><?cs var:e.at ?></small></td><td><?cs var:e.actor ?></td><td><code><?cs var:e.action ?></code></td><td><?cs var:e.object_type ?> <?cs var:e.object_id ?></td></tr><?cs /each ?>
</tbody></table>
<p><a href="/admin/audit"><?cs var:Lang.audit.all ?></a></p>
<?cs /if ?>
<?cs /def ?>
<?cs include:"layout/layout.cs" ?>
