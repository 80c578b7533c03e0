<?cs # Enrollment requests from the tablets: the pending queue first, then recent decisions. ?>
<?cs include:"layout/macros.cs" ?>
<?cs def:page_title() ?><?cs var:Lang.enrollments.title ?><?cs /def ?>
<?cs def:page_body() ?>
<div class="head"><h1><?cs var:Lang.enrollments.title ?></h1>
<span><?cs each:s = TabletSites ?><a class="button" href="/admin/sites/<?cs var:s.id ?>/tablets"><?cs var:Lang.tablets.title ?> · <?cs var:s.name ?></a> <?cs /each ?></span></div>
<form method="get" action="/admin/enrollments" class="filters">
  <label><?cs var:Lang.enrollments.filter_state ?>
    <select name="state"><option value=""><?cs var:Lang.common.all ?></option><?cs each:st = Lang.enrollments.states ?><option value="<?cs name:st ?>"<?cs if:Filter.state == name(st) ?> selected<?cs /if ?>><?cs var:st ?></option><?cs /each ?></select></label>
  <button type="submit"><?cs var:Lang.common.filter ?></button>
</form>
<?cs if:subcount(Requests) == 0 ?><p class="muted"><?cs var:Lang.enrollments.none ?></p><?cs else ?>
<table class="list" id="enrollments">
<thead><tr><th>#</th><th><?cs var:Lang.enroll.fields.full_name ?></th><th><?cs var:Lang.fields.site_id ?></th><th><?cs var:Lang.enrollments.tablet ?></th><th><?cs var:Lang.enrollments.wish ?></th><th><?cs var:Lang.enrollments.submitted ?></th><th><?cs var:Lang.enrollments.state ?></th></tr></thead>
<tbody>
<?cs each:q = Requests ?><tr class="state-<?cs var:q.state ?>" data-request="<?cs var:q.id ?>">
<td><a href="/admin/enrollments/<?cs var:q.id ?>"><?cs var:q.id ?></a></td>
<td><a href="/admin/enrollments/<?cs var:q.id ?>"><?cs var:q.full_name ?></a></td>
<td><?cs var:q.site ?></td>
<td><?cs var:q.tablet ?></td>
<td><?cs var:Lang.enroll.sizes[q.size] ?> · <?cs var:Lang.enroll.periods[q.period] ?></td>
<td><small><?cs var:string.slice(q.submitted, 0, 16) ?> UTC</small></td>
<td><span class="tag"><?cs var:Lang.enrollments.states[q.state] ?></span></td>
</tr><?cs /each ?>
</tbody></table>
<?cs /if ?>
<nav class="pager">
<?cs if:Paging.prev ?><a href="/admin/enrollments?state=<?cs var:url_escape(Filter.state) ?>&amp;page=<?cs var:Paging.prev ?>" rel="prev"><?cs var:Lang.common.previous ?></a><?cs /if ?>
<span><?cs var:Lang.common.page ?> <?cs var:Paging.page ?></span>
<?cs if:Paging.next ?><a href="/admin/enrollments?state=<?cs var:url_escape(Filter.state) ?>&amp;page=<?cs var:Paging.next ?>" rel="next"><?cs var:Lang.common.next ?></a><?cs /if ?>
</nav>
<?cs /def ?>
<?cs include:"layout/layout.cs" ?>
