<?cs # The notification outbox: messages of the user's sites, newest first, with filters and paging. ?>
<?cs include:"layout/macros.cs" ?>
<?cs include:"backoffice/outbox_macros.cs" ?>
<?cs def:filter_qs() ?>state=<?cs var:url_escape(Filter.state) ?>&amp;channel=<?cs var:url_escape(Filter.channel) ?>&amp;kind=<?cs var:url_escape(Filter.kind) ?>&amp;site=<?cs var:url_escape(Filter.site) ?>&amp;customer=<?cs var:url_escape(Filter.customer) ?><?cs /def ?>
<?cs def:page_title() ?><?cs var:Lang.outbox.title ?><?cs /def ?>
<?cs def:page_body() ?>
<h1><?cs var:Lang.outbox.title ?></h1>
<p class="muted"><?cs var:Lang.outbox.help ?></p>
<form method="get" action="/admin/outbox" class="filters row">
  <label><?cs var:Lang.outbox.state ?> <select name="state"><option value=""><?cs var:Lang.common.all ?></option><?cs each:s = Choices.states ?><option value="<?cs var:s ?>"<?cs if:s == Filter.state ?> selected<?cs /if ?>><?cs var:Lang.outbox.states[s] ?></option><?cs /each ?></select></label>
  <label><?cs var:Lang.outbox.channel ?> <select name="channel"><option value=""><?cs var:Lang.common.all ?></option><?cs each:c = Choices.channels ?><option value="<?cs var:c ?>"<?cs if:c == Filter.channel ?> selected<?cs /if ?>><?cs var:Lang.outbox.channels[c] ?></option><?cs /each ?></select></label>
  <label><?cs var:Lang.outbox.kind ?> <select name="kind"><option value=""><?cs var:Lang.common.all ?></option><?cs each:k = Lang.outbox.kinds ?><option value="<?cs name:k ?>"<?cs if:name(k) == Filter.kind ?> selected<?cs /if ?>><?cs var:k ?></option><?cs /each ?></select></label>
  <label><?cs var:Lang.fields.site_id ?> <select name="site"><option value=""><?cs var:Lang.common.all ?></option><?cs if:Choices.alerts ?><option value="alerts"<?cs if:Filter.site == "alerts" ?> selected<?cs /if ?>><?cs var:Lang.outbox.alerts ?></option><?cs /if ?><?cs each:s = Choices.sites ?><option value="<?cs var:s.id ?>"<?cs if:s.id == Filter.site ?> selected<?cs /if ?>><?cs var:s.name ?></option><?cs /each ?></select></label>
  <?cs if:Filter.customer ?><input type="hidden" name="customer" value="<?cs var:Filter.customer ?>"><?cs /if ?>
  <button type="submit"><?cs var:Lang.common.filter ?></button>
</form>
<?cs if:Filter.customer ?><p><?cs var:Lang.outbox.one_customer ?> <a href="/admin/customers/<?cs var:Filter.customer ?>">#<?cs var:Filter.customer ?></a> · <a href="/admin/outbox"><?cs var:Lang.outbox.all_messages ?></a></p><?cs /if ?>
<?cs if:subcount(Messages) == 0 ?><p class="muted"><?cs var:Lang.outbox.none ?></p><?cs else ?>
<table class="list compact" id="messages">
<thead><?cs call:msg_head() ?></thead>
<tbody><?cs call:msg_rows(Messages) ?></tbody>
</table>
<?cs /if ?>
<nav class="pager">
<?cs if:Paging.prev ?><a href="/admin/outbox?<?cs call:filter_qs() ?>&amp;page=<?cs var:Paging.prev ?>" rel="prev"><?cs var:Lang.common.previous ?></a><?cs /if ?>
<span><?cs var:Lang.common.page ?> <?cs var:Paging.page ?></span>
<?cs if:Paging.next ?><a href="/admin/outbox?<?cs call:filter_qs() ?>&amp;page=<?cs var:Paging.next ?>" rel="next"><?cs var:Lang.common.next ?></a><?cs /if ?>
</nav>
<p class="muted"><small><?cs var:Lang.outbox.times ?></small></p>
<?cs /def ?>
<?cs include:"layout/layout.cs" ?>
