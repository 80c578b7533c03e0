<?cs include:"layout/macros.cs" ?>
<?cs def:page_title() ?><?cs var:Lang.users.title ?><?cs /def ?>
<?cs def:page_body() ?>
<div class="head"><h1><?cs var:Lang.users.title ?></h1><a class="button primary" href="/admin/users/new"><?cs var:Lang.users.new ?></a></div>
<?cs if:subcount(Staff) == 0 ?><p class="muted"><?cs var:Lang.users.none ?></p><?cs else ?>
<table class="list">
<thead><tr><th><?cs var:Lang.fields.username ?></th><th><?cs var:Lang.fields.display_name ?></th><th><?cs var:Lang.fields.role ?></th><th><?cs var:Lang.fields.sites ?></th><th><?cs var:Lang.fields.active ?></th><th><?cs var:Lang.users.last_login ?></th><th></th></tr></thead>
<tbody>
<?cs each:s = Staff ?><tr<?cs if:s.active != "1" ?> class="muted"<?cs /if ?>>
<td><?cs var:s.username ?></td>
<td><?cs var:s.display_name ?></td>
<td><?cs if:Lang.roles[s.role] ?><?cs var:Lang.roles[s.role] ?><?cs else ?><?cs var:s.role ?><?cs /if ?></td>
<td><?cs if:s.all_sites == "1" ?><span class="tag"><?cs var:Lang.fields.all_sites ?></span><?cs else ?><?cs if:s.sites ?><?cs var:s.sites ?><?cs else ?>—<?cs /if ?><?cs /if ?></td>
<td><?cs call:yesno(s.active) ?></td>
<td><?cs if:s.last_login ?><small><?cs var:string.slice(s.last_login, 0, 19) ?> UTC</small><?cs else ?><span class="muted"><?cs var:Lang.common.never ?></span><?cs /if ?></td>
<td><a href="/admin/users/<?cs var:s.id ?>/edit"><?cs var:Lang.common.edit ?></a></td>
</tr><?cs /each ?>
</tbody></table>
<?cs /if ?>
<?cs /def ?>
<?cs include:"layout/layout.cs" ?>
