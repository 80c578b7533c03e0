<?cs include:"layout/macros.cs" ?>
<?cs def:page_title() ?><?cs var:Lang.grid.title ?> · <?cs var:Site.name ?><?cs /def ?>
<?cs def:page_body() ?>
<div class="head"><h1><?cs var:Lang.grid.title ?> <small class="muted"><a href="/admin/sites/<?cs var:Site.id ?>"><?cs var:Site.name ?></a></small></h1>
<?cs if:Can.inventory_manage ?><a class="button" href="/admin/sites/<?cs var:Site.id ?>/banks/new"><?cs var:Lang.banks.new ?></a><?cs /if ?></div>
<?cs escape:"none" ?><?cs var:GridHtml ?><?cs /escape ?>
<?cs /def ?>
<?cs include:"layout/layout.cs" ?>
