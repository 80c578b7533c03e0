<?cs # The cached part of the locker grid page: it may depend only on what is in the
   cache key (site, inventory version, language, filters), never on the user. ?>
<form method="get" class="filters" action="/admin/sites/<?cs var:Site.id ?>/grid">
  <label><?cs var:Lang.grid.bank ?> <select name="bank"><option value=""><?cs var:Lang.common.all ?></option><?cs each:b = Grid ?><option value="<?cs var:b.id ?>"<?cs if:b.id == Filter.bank ?> selected<?cs /if ?>><?cs var:b.name ?></option><?cs /each ?></select></label>
  <label><?cs var:Lang.fields.size ?> <select name="size"><option value=""><?cs var:Lang.common.all ?></option><?cs each:s = Sizes ?><option<?cs if:s == Filter.size ?> selected<?cs /if ?>><?cs var:s ?></option><?cs /each ?></select></label>
  <label><?cs var:Lang.fields.status ?> <select name="status"><option value=""><?cs var:Lang.common.all ?></option><?cs each:s = Lang.status ?><option value="<?cs name:s ?>"<?cs if:name(s) == Filter.status ?> selected<?cs /if ?>><?cs var:s ?></option><?cs /each ?></select></label>
  <label><?cs var:Lang.fields.features ?> <select name="feature"><option value=""><?cs var:Lang.common.all ?></option><?cs each:f = Features ?><option value="<?cs var:f ?>"<?cs if:f == Filter.feature ?> selected<?cs /if ?>><?cs var:Lang.features[f] ?></option><?cs /each ?></select></label>
  <button type="submit"><?cs var:Lang.common.filter ?></button>
</form>
<p class="legend"><span class="badge st-free"><?cs var:Lang.status.free ?> <?cs var:Counts.free ?></span> <span class="badge st-occupied"><?cs var:Lang.status.occupied ?> <?cs var:Counts.occupied ?></span> <span class="badge st-reserved"><?cs var:Lang.status.reserved ?> <?cs var:Counts.reserved ?></span> <span class="badge st-out_of_service"><?cs var:Lang.status.out_of_service ?> <?cs var:Counts.out_of_service ?></span> · <?cs var:Lang.grid.shown ?> <strong id="cells-shown"><?cs var:Counts.total ?></strong></p>
<?cs if:subcount(Grid) == 0 ?><p class="muted"><?cs var:Lang.banks.none ?></p><?cs /if ?>
<?cs each:b = Grid ?><?cs if:b.shown > 0 ?>
<section class="bank" data-bank="<?cs var:b.id ?>">
<h2><a href="/admin/banks/<?cs var:b.id ?>"><?cs var:b.name ?></a> <small class="muted"><?cs var:b.location ?></small></h2>
<?cs # One line per cell, kept short: a 1,000-cell page is mostly this.  The colour
   and the legend give the status; a title is added only where there is more to say. ?>
<div class="grid cols-<?cs var:b.columns ?>"><?cs each:c = b.cells ?><a class="st-<?cs var:c.status ?> z-<?cs var:c.size ?>" data-cell="<?cs var:c.id ?>" href="/admin/cells/<?cs var:c.id ?>"<?cs if:c.features || c.reason ?> title="<?cs if:c.features ?><?cs var:c.features ?><?cs /if ?><?cs if:c.reason ?> <?cs var:c.reason ?><?cs /if ?>"<?cs /if ?>><b><?cs var:c.label ?></b><i><?cs var:c.size ?><?cs if:c.features ?>+<?cs /if ?></i></a><?cs /each ?></div>
</section>
<?cs /if ?><?cs /each ?>
