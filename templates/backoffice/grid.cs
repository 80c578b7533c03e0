<?cs include:"layout/macros.cs" ?>
<?cs def:page_title() ?><?cs var:Lang.grid.title ?> · <?cs var:Site.name ?><?cs /def ?>
<?cs def:page_body() ?>
<div class="head"><h1><?cs var:Lang.grid.title ?> <small class="muted"><a href="/admin/sites/<?cs var:Site.id ?>"><?cs var:Site.name ?></a></small></h1>
<span><a class="button" href="/admin/sites/<?cs var:Site.id ?>/buses"><?cs var:Lang.boards.link ?></a>
<?cs if:Can.inventory_manage ?><a class="button" href="/admin/sites/<?cs var:Site.id ?>/banks/new"><?cs var:Lang.banks.new ?></a><?cs /if ?></span></div>
<?cs escape:"none" ?><?cs var:DoorsHtml ?><?cs /escape ?>
<div id="grid">
<?cs escape:"none" ?><?cs var:GridHtml ?><?cs /escape ?>
</div>
<?cs /def ?>
<?cs include:"layout/layout.cs" ?>
