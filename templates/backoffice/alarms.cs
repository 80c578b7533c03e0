<?cs # Alarms boardd raised on the user's sites, newest first, with acknowledgement. ?>
<?cs include:"layout/macros.cs" ?>
<?cs def:filter_qs() ?>state=<?cs var:url_escape(Filter.state) ?>&amp;site=<?cs var:url_escape(Filter.site) ?><?cs /def ?>
<?cs def:page_title() ?><?cs var:Lang.alarms.title ?><?cs /def ?>
<?cs def:page_body() ?>
<h1><?cs var:Lang.alarms.title ?></h1>
<form method="get" action="/admin/alarms" class="filters">
  <label><?cs var:Lang.alarms.state ?> <select name="state"><?cs each:s = Lang.alarms.states ?><option value="<?cs name:s ?>"<?cs if:name(s) == Filter.state ?> selected<?cs /if ?>><?cs var:s ?></option><?cs /each ?></select></label>
  <label><?cs var:Lang.fields.site_id ?> <select name="site"><option value=""><?cs var:Lang.common.all ?></option><?cs each:s = Choices.sites ?><option value="<?cs var:s.id ?>"<?cs if:s.id == Filter.site ?> selected<?cs /if ?>><?cs var:s.name ?></option><?cs /each ?></select></label>
  <button type="submit"><?cs var:Lang.common.filter ?></button>
</form>
<?cs if:subcount(Alarms) == 0 ?><p class="muted"><?cs var:Lang.alarms.none ?></p><?cs else ?>
<table class="list compact" id="alarms">
<thead><tr><th><?cs var:Lang.alarms.kind ?></th><th><?cs var:Lang.fields.site_id ?></th><th><?cs var:Lang.alarms.where ?></th><th><?cs var:Lang.fields.detail ?></th><th><?cs var:Lang.alarms.raised ?></th><th><?cs var:Lang.alarms.cleared ?></th><th><?cs var:Lang.alarms.acked ?></th></tr></thead>
<tbody>
<?cs each:a = Alarms ?><tr data-alarm="<?cs var:a.id ?>"<?cs if:!a.acked_at ?> class="alarm-row"<?cs /if ?>>
<td><strong><?cs var:Lang.alarms.kinds[a.kind] ?></strong></td>
<td><?cs var:a.site ?></td>
<td><?cs if:a.cell_id ?><a href="/admin/cells/<?cs var:a.cell_id ?>"><?cs var:a.cell ?></a><?cs elif:a.bus ?><?cs var:a.bus ?> · <?cs var:Lang.alarms.board ?> <?cs var:a.address ?><?cs /if ?></td>
<td class="detail"><?cs var:a.detail ?></td>
<td><small><?cs var:a.raised ?></small></td>
<td><small><?cs if:a.cleared ?><?cs var:a.cleared ?><?cs else ?><strong><?cs var:Lang.alarms.still_active ?></strong><?cs /if ?></small></td>
<td><?cs if:a.acked_at ?><small><?cs var:a.acked_by ?> · <?cs var:a.acked_at ?></small><br><?cs var:a.note ?>
<?cs elif:Can.alarms_ack ?>
<form method="post" action="/admin/alarms/<?cs var:a.id ?>/ack" class="ack" id="ack-<?cs var:a.id ?>">
  <?cs call:csrf() ?>
  <input type="hidden" name="state" value="<?cs var:Filter.state ?>"><input type="hidden" name="site" value="<?cs var:Filter.site ?>"><input type="hidden" name="page" value="<?cs var:Paging.page ?>">
  <input name="note" maxlength="500" required placeholder="<?cs var:Lang.alarms.note_help ?>" aria-label="<?cs var:Lang.fields.note ?>" value="<?cs if:AckForm.id == a.id ?><?cs var:AckForm.note ?><?cs /if ?>"<?cs if:AckForm.id == a.id ?><?cs call:field_class("note") ?><?cs /if ?>>
  <button type="submit"><?cs var:Lang.alarms.ack_submit ?></button>
</form>
<?cs /if ?></td>
</tr><?cs /each ?>
</tbody></table>
<?cs /if ?>
<nav class="pager">
<?cs if:Paging.prev ?><a href="/admin/alarms?<?cs call:filter_qs() ?>&amp;page=<?cs var:Paging.prev ?>" rel="prev"><?cs var:Lang.common.previous ?></a><?cs /if ?>
<span><?cs var:Lang.common.page ?> <?cs var:Paging.page ?></span>
<?cs if:Paging.next ?><a href="/admin/alarms?<?cs call:filter_qs() ?>&amp;page=<?cs var:Paging.next ?>" rel="next"><?cs var:Lang.common.next ?></a><?cs /if ?>
</nav>
<p class="muted"><small><?cs var:Lang.boards.local_times ?></small></p>
<?cs /def ?>
<?cs include:"layout/layout.cs" ?>
