<?cs include:"layout/macros.cs" ?>
<?cs def:page_title() ?><?cs var:Site.name ?><?cs /def ?>
<?cs def:page_body() ?>
<div class="head"><h1><?cs var:Site.name ?></h1>
<span>
<a class="button" href="/admin/sites/<?cs var:Site.id ?>/grid"><?cs var:Lang.grid.open ?></a>
<a class="button" href="/admin/sites/<?cs var:Site.id ?>/buses"><?cs var:Lang.boards.link ?></a>
<?cs if:Can.sites_manage ?><a class="button" href="/admin/sites/<?cs var:Site.id ?>/edit"><?cs var:Lang.common.edit ?></a><?cs /if ?>
<?cs if:Site.vault ?><?cs if:Can.customers_view ?><a class="button" href="/admin/sites/<?cs var:Site.id ?>/plans"><?cs var:Lang.plans.title ?></a><?cs /if ?>
<?cs if:Can.tablets_manage ?><a class="button" href="/admin/sites/<?cs var:Site.id ?>/tablets"><?cs var:Lang.tablets.title ?></a><?cs /if ?><?cs /if ?>
<?cs if:Can.inventory_manage ?><a class="button primary" href="/admin/sites/<?cs var:Site.id ?>/banks/new"><?cs var:Lang.banks.new ?></a><?cs /if ?>
</span></div>
<dl class="facts">
  <dt><?cs var:Lang.fields.address ?></dt><dd><?cs if:Site.address ?><?cs var:Site.address ?><?cs else ?>—<?cs /if ?></dd>
  <dt><?cs var:Lang.fields.time_zone ?></dt><dd><?cs var:Site.time_zone ?></dd>
  <dt><?cs var:Lang.fields.currency ?></dt><dd><?cs var:Site.currency ?></dd>
  <dt><?cs var:Lang.fields.languages ?></dt><dd><?cs var:Site.languages ?></dd>
  <dt><?cs var:Lang.sites.modules ?></dt><dd><?cs call:modules(Site) ?></dd>
</dl>
<section class="card" id="billing">
<h2><?cs var:Lang.sites.billing ?></h2>
<dl class="facts">
  <dt><?cs var:Lang.fields.bill_prorate ?></dt><dd><?cs var:Lang.sites.prorate[Site.bill_prorate] ?><br><small class="muted"><?cs var:Lang.sites.explain.bill_prorate ?></small></dd>
  <dt><?cs var:Lang.fields.bill_notice_days ?></dt><dd><?cs var:Site.bill_notice_days ?><br><small class="muted"><?cs var:Lang.sites.explain.bill_notice_days ?></small></dd>
  <dt><?cs var:Lang.fields.bill_overdue_days ?></dt><dd><?cs var:Site.bill_overdue_days ?><br><small class="muted"><?cs var:Lang.sites.explain.bill_overdue_days ?></small></dd>
  <dt><?cs var:Lang.fields.bill_suspend_days ?></dt><dd><?cs var:Site.bill_suspend_days ?><br><small class="muted"><?cs var:Lang.sites.explain.bill_suspend_days ?></small></dd>
  <dt><?cs var:Lang.fields.bill_max_periods ?></dt><dd><?cs var:Site.bill_max_periods ?><br><small class="muted"><?cs var:Lang.sites.explain.bill_max_periods ?></small></dd>
</dl>
</section>
<h2><?cs var:Lang.sites.banks ?></h2>
<?cs if:subcount(Banks) == 0 ?><p class="muted"><?cs var:Lang.banks.none ?></p><?cs else ?>
<table class="list">
<thead><tr><th><?cs var:Lang.fields.name ?></th><th><?cs var:Lang.fields.location ?></th><th class="num"><?cs var:Lang.dashboard.cells ?></th><th class="num"><?cs var:Lang.status.free ?></th><th class="num"><?cs var:Lang.status.out_of_service ?></th></tr></thead>
<tbody>
<?cs each:b = Banks ?><tr><td><a href="/admin/banks/<?cs var:b.id ?>"><?cs var:b.name ?></a></td><td><?cs var:b.location ?></td><td class="num"><?cs var:b.cells ?></td><td class="num"><?cs var:b.free ?></td><td class="num"><?cs var:b.out_of_service ?></td></tr><?cs /each ?>
</tbody></table>
<?cs /if ?>
<?cs /def ?>
<?cs include:"layout/layout.cs" ?>
