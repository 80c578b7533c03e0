<?cs include:"layout/macros.cs" ?>
<?cs # The current filters as a query string, for the pager and the export. ?>
<?cs def:filter_qs() ?>actor=<?cs var:url_escape(Filter.actor) ?>&amp;action=<?cs var:url_escape(Filter.action) ?>&amp;object_type=<?cs var:url_escape(Filter.object_type) ?>&amp;object_id=<?cs var:url_escape(Filter.object_id) ?>&amp;site=<?cs var:url_escape(Filter.site) ?>&amp;from=<?cs var:url_escape(Filter.from) ?>&amp;to=<?cs var:url_escape(Filter.to) ?><?cs /def ?>
<?cs def:page_title() ?><?cs var:Lang.audit.title ?><?cs /def ?>
<?cs def:page_body() ?>
<div class="head"><h1><?cs var:Lang.audit.title ?></h1><a class="button" href="/admin/audit.csv?<?cs call:filter_qs() ?>"><?cs var:Lang.common.export_csv ?></a></div>
<form method="get" action="/admin/audit" class="filters">
  <label><?cs var:Lang.fields.actor ?> <input name="actor" value="<?cs var:Filter.actor ?>" maxlength="64" size="12"<?cs call:field_class("actor") ?>></label>
  <label><?cs var:Lang.fields.action ?> <input name="action" value="<?cs var:Filter.action ?>" maxlength="64" size="14" title="<?cs var:Lang.audit.action_help ?>"<?cs call:field_class("action") ?>></label>
  <label><?cs var:Lang.fields.object_type ?> <input name="object_type" value="<?cs var:Filter.object_type ?>" maxlength="32" size="10"<?cs call:field_class("object_type") ?>></label>
  <label><?cs var:Lang.fields.object_id ?> <input name="object_id" value="<?cs var:Filter.object_id ?>" inputmode="numeric" maxlength="18" size="8"<?cs call:field_class("object_id") ?>></label>
  <label><?cs var:Lang.fields.site_id ?> <select name="site"<?cs call:field_class("site_id") ?>><option value=""><?cs var:Lang.common.all ?></option><?cs each:s = Choices.sites ?><option value="<?cs var:s.id ?>"<?cs if:s.id == Filter.site ?> selected<?cs /if ?>><?cs var:s.name ?></option><?cs /each ?></select></label>
  <label><?cs var:Lang.fields.from ?> <input name="from" type="date" value="<?cs var:Filter.from ?>"<?cs call:field_class("from") ?>></label>
  <label><?cs var:Lang.fields.to ?> <input name="to" type="date" value="<?cs var:Filter.to ?>"<?cs call:field_class("to") ?>></label>
  <button type="submit"><?cs var:Lang.common.filter ?></button>
</form>
<?cs if:subcount(Rows) == 0 ?><p class="muted"><?cs var:Lang.audit.none ?></p><?cs else ?>
<table class="list compact audit">
<thead><tr><th class="num"><?cs var:Lang.fields.id ?></th><th><?cs var:Lang.fields.at ?></th><th><?cs var:Lang.fields.actor ?></th><th><?cs var:Lang.fields.ip ?></th><th><?cs var:Lang.fields.action ?></th><th><?cs var:Lang.fields.object_type ?></th><th><?cs var:Lang.fields.site_id ?></th><th><?cs var:Lang.fields.detail ?></th></tr></thead>
<tbody>
<?cs each:e = Rows ?><tr>
<td class="num"><?cs var:e.id ?></td>
<td><small><?cs var:string.slice(e.at, 0, 19) ?></small></td>
<td><?cs var:e.actor ?><?cs if:e.actor_type != "staff" ?> <small class="muted">(<?cs var:e.actor_type ?>)</small><?cs /if ?></td>
<td><small><?cs var:e.ip ?></small></td>
<td><code><?cs var:e.action ?></code></td>
<td><?cs var:e.object_type ?><?cs if:e.object_id ?> <?cs var:e.object_id ?><?cs /if ?></td>
<td><?cs if:e.site_id ?><?cs if:e.site ?><?cs var:e.site ?><?cs else ?><?cs var:e.site_id ?><?cs /if ?><?cs /if ?></td>
<td class="detail"><code><?cs var:e.detail ?></code></td>
</tr><?cs /each ?>
</tbody></table>
<?cs /if ?>
<nav class="pager">
<?cs if:Pager.prev ?><a href="/admin/audit?<?cs call:filter_qs() ?>&amp;page=<?cs var:Pager.prev ?>" rel="prev"><?cs var:Lang.common.previous ?></a><?cs /if ?>
<?cs if:Pager.page ?><span><?cs var:Lang.common.page ?> <?cs var:Pager.page ?></span><?cs /if ?>
<?cs if:Pager.next ?><a href="/admin/audit?<?cs call:filter_qs() ?>&amp;page=<?cs var:Pager.next ?>" rel="next"><?cs var:Lang.common.next ?></a><?cs /if ?>
</nav>
<p class="muted"><small><?cs var:Lang.audit.chain ?></small></p>
<?cs /def ?>
<?cs include:"layout/layout.cs" ?>
