<?cs include:"layout/macros.cs" ?>
<?cs def:page_title() ?><?cs var:Lang.sites.title ?><?cs /def ?>
<?cs def:page_body() ?>
<div class="head"><h1><?cs var:Lang.sites.title ?></h1><?cs if:Can.sites_manage ?><a class="button primary" href="/admin/sites/new"><?cs var:Lang.sites.new ?></a><?cs /if ?></div>
<?cs if:subcount(Sites) == 0 ?><p class="muted"><?cs var:Lang.sites.none ?></p><?cs else ?>
<table class="list">
<thead><tr><th><?cs var:Lang.fields.name ?></th><th><?cs var:Lang.fields.time_zone ?></th><th><?cs var:Lang.fields.currency ?></th><th><?cs var:Lang.fields.languages ?></th><th><?cs var:Lang.sites.modules ?></th><th class="num"><?cs var:Lang.sites.banks ?></th><th class="num"><?cs var:Lang.dashboard.cells ?></th></tr></thead>
<tbody>
<?cs each:s = Sites ?><tr>
<td><a href="/admin/sites/<?cs var:s.id ?>"><?cs var:s.name ?></a><?cs if:s.address ?><br><small class="muted"><?cs var:s.address ?></small><?cs /if ?></td>
<td><?cs var:s.time_zone ?></td><td><?cs var:s.currency ?></td><td><?cs var:s.languages ?></td><td><?cs call:modules(s) ?></td>
<td class="num"><?cs var:s.banks ?></td><td class="num"><?cs var:s.cells ?></td>
</tr><?cs /each ?>
</tbody></table>
<?cs /if ?>
<?cs /def ?>
<?cs include:"layout/layout.cs" ?>
