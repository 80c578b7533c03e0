<?cs include:"layout/macros.cs" ?>
<?cs include:"backoffice/visit_macros.cs" ?>
<?cs # The current filters as a query string, for the pager, the sort links and the export. ?>
<?cs def:filter_qs() ?>site=<?cs var:url_escape(Filter.site) ?>&amp;from=<?cs var:url_escape(Filter.from) ?>&amp;to=<?cs var:url_escape(Filter.to) ?>&amp;customer=<?cs var:url_escape(Filter.customer) ?>&amp;cell=<?cs var:url_escape(Filter.cell) ?>&amp;verified_by=<?cs var:url_escape(Filter.verified_by) ?><?cs /def ?>
<?cs def:page_title() ?><?cs var:Lang.visits.title ?><?cs /def ?>
<?cs def:page_body() ?>
<div class="head"><h1><?cs var:Lang.visits.title ?><?cs if:Subject.customer ?> <small class="muted"><?cs var:Subject.customer ?></small><?cs /if ?><?cs if:Subject.cell ?> <small class="muted"><?cs var:Lang.visits.cell ?> <?cs var:Subject.cell ?> · <?cs var:Subject.bank ?></small><?cs /if ?></h1>
<?cs if:Can.visits_record ?><a class="button primary" href="/admin/visits/verify" id="verify-link"><?cs var:Lang.fpvisits.title ?></a> <a class="button" href="/admin/visits/new"><?cs var:Lang.visits.new ?></a><?cs /if ?>
<a class="button" href="/admin/visits.csv?<?cs call:filter_qs() ?>&amp;sort=<?cs var:url_escape(Filter.sort) ?>"><?cs var:Lang.common.export_csv ?></a></div>

<?cs if:Inside.loaded ?>
<section class="card" id="inside-now">
<h2><?cs var:Lang.visits.inside_now ?> <span class="badge"><?cs var:Inside.count ?></span></h2>
<?cs if:subcount(Inside.rows) == 0 ?><p class="muted"><?cs var:Lang.visits.nobody_inside ?></p><?cs else ?>
<table class="list compact">
<thead><tr><th><?cs var:Lang.visits.customer ?></th><th><?cs var:Lang.visits.cell ?></th><th><?cs var:Lang.visits.site ?></th><th><?cs var:Lang.visits.since ?></th><th class="num"><?cs var:Lang.visits.duration ?></th><th><?cs var:Lang.visits.verified_by ?></th><th><?cs var:Lang.visits.staff_in ?></th><?cs if:Can.visits_record ?><th><?cs var:Lang.common.actions ?></th><?cs /if ?></tr></thead>
<tbody>
<?cs each:v = Inside.rows ?><tr id="inside-<?cs var:v.id ?>">
<td><?cs call:visit_customer(v) ?></td>
<td><?cs call:visit_cell(v) ?></td>
<td><?cs var:v.site ?></td>
<td><?cs var:v.checked_in ?></td>
<td class="num"><?cs var:v.duration ?></td>
<td><?cs call:visit_by(v) ?></td>
<td><?cs var:v.staff_in ?></td>
<?cs if:Can.visits_record ?><td><?cs call:checkout_form(v) ?></td><?cs /if ?>
</tr><?cs /each ?>
</tbody></table>
<?cs /if ?>
</section>
<?cs /if ?>

<h2><?cs var:Lang.visits.history ?></h2>
<form method="get" action="/admin/visits" class="filters">
  <label><?cs var:Lang.visits.site ?> <select name="site"<?cs call:field_class("site_id") ?>><option value=""><?cs var:Lang.common.all ?></option><?cs each:s = Choices.sites ?><option value="<?cs var:s.id ?>"<?cs if:s.id == Filter.site ?> selected<?cs /if ?>><?cs var:s.name ?></option><?cs /each ?></select></label>
  <label><?cs var:Lang.fields.from ?> <input name="from" type="date" value="<?cs var:Filter.from ?>"<?cs call:field_class("from") ?>></label>
  <label><?cs var:Lang.fields.to ?> <input name="to" type="date" value="<?cs var:Filter.to ?>"<?cs call:field_class("to") ?>></label>
  <label><?cs var:Lang.visits.customer ?> <input name="customer" value="<?cs var:Filter.customer ?>" maxlength="160" size="14" title="<?cs var:Lang.visits.customer_help ?>"<?cs call:field_class("customer") ?>></label>
  <label><?cs var:Lang.visits.cell_id ?> <input name="cell" value="<?cs var:Filter.cell ?>" inputmode="numeric" maxlength="18" size="6"<?cs call:field_class("cell") ?>></label>
  <label><?cs var:Lang.visits.verified_by ?> <select name="verified_by"<?cs call:field_class("verified_by") ?>><option value=""><?cs var:Lang.common.all ?></option><?cs each:b = Lang.visits.by ?><option value="<?cs name:b ?>"<?cs if:name(b) == Filter.verified_by ?> selected<?cs /if ?>><?cs var:b ?></option><?cs /each ?></select></label>
  <label><?cs var:Lang.visits.order ?> <select name="sort"><option value="newest"<?cs if:Filter.sort != "oldest" ?> selected<?cs /if ?>><?cs var:Lang.visits.sort.newest ?></option><option value="oldest"<?cs if:Filter.sort == "oldest" ?> selected<?cs /if ?>><?cs var:Lang.visits.sort.oldest ?></option></select></label>
  <button type="submit"><?cs var:Lang.common.filter ?></button>
</form>
<?cs if:subcount(Rows) == 0 ?><p class="muted"><?cs var:Lang.visits.none ?></p><?cs else ?>
<table class="list compact visits">
<thead><tr>
<th><a href="/admin/visits?<?cs call:filter_qs() ?>&amp;sort=<?cs if:Filter.sort == "oldest" ?>newest<?cs else ?>oldest<?cs /if ?>" id="sort-checked-in"><?cs var:Lang.visits.checked_in ?> <?cs if:Filter.sort == "oldest" ?>&#9650;<?cs else ?>&#9660;<?cs /if ?></a></th>
<th><?cs var:Lang.visits.checked_out ?></th><th class="num"><?cs var:Lang.visits.duration ?></th><th><?cs var:Lang.visits.customer ?></th><th><?cs var:Lang.visits.cell ?></th><th><?cs var:Lang.visits.site ?></th><th><?cs var:Lang.visits.verified_by ?></th><th><?cs var:Lang.visits.staff_in ?></th><th><?cs var:Lang.visits.staff_out ?></th></tr></thead>
<tbody>
<?cs each:v = Rows ?><tr id="visit-<?cs var:v.id ?>">
<td><?cs var:v.checked_in ?></td>
<td><?cs if:v.open ?><span class="tag"><?cs var:Lang.visits.still_inside ?></span><?cs else ?><?cs var:v.checked_out ?><?cs /if ?></td>
<td class="num"><?cs if:!v.open ?><?cs var:v.duration ?><?cs /if ?></td>
<td><?cs call:visit_customer(v) ?></td>
<td><?cs call:visit_cell(v) ?></td>
<td><?cs var:v.site ?></td>
<td><?cs call:visit_by(v) ?></td>
<td><?cs var:v.staff_in ?></td>
<td><?cs var:v.staff_out ?></td>
</tr><?cs /each ?>
</tbody></table>
<?cs /if ?>
<nav class="pager">
<?cs if:Pager.prev ?><a href="/admin/visits?<?cs call:filter_qs() ?>&amp;sort=<?cs var:url_escape(Filter.sort) ?>&amp;page=<?cs var:Pager.prev ?>" rel="prev"><?cs var:Lang.common.previous ?></a><?cs /if ?>
<?cs if:Pager.page ?><span><?cs var:Lang.common.page ?> <?cs var:Pager.page ?></span><?cs /if ?>
<?cs if:Pager.next ?><a href="/admin/visits?<?cs call:filter_qs() ?>&amp;sort=<?cs var:url_escape(Filter.sort) ?>&amp;page=<?cs var:Pager.next ?>" rel="next"><?cs var:Lang.common.next ?></a><?cs /if ?>
</nav>
<p class="muted"><small><?cs var:Lang.visits.local_times ?></small></p>
<?cs /def ?>
<?cs include:"layout/layout.cs" ?>
