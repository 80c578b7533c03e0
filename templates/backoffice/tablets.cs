<?cs # Enrollment tablets of one site: pairing codes are shown once, on the answer that made them. ?>
<?cs include:"layout/macros.cs" ?>
<?cs def:page_title() ?><?cs var:Lang.tablets.title ?> · <?cs var:Site.name ?><?cs /def ?>
<?cs def:page_body() ?>
<div class="head"><h1><?cs var:Lang.tablets.title ?> <small>· <a href="/admin/sites/<?cs var:Site.id ?>"><?cs var:Site.name ?></a></small></h1>
<span><a class="button" href="/admin/enrollments"><?cs var:Lang.enrollments.title ?></a></span></div>
<?cs if:NewCode.code ?>
<section class="card stack" role="status">
  <h2><?cs var:Lang.tablets.code_for ?> <?cs var:NewCode.name ?></h2>
  <p class="secret pairing-code" id="pairing-code"><?cs var:NewCode.code ?></p>
  <p><?cs var:Lang.tablets.code_once ?></p>
</section>
<?cs /if ?>
<?cs if:subcount(Tablets) == 0 ?><p class="muted"><?cs var:Lang.tablets.none ?></p><?cs else ?>
<table class="list" id="tablets">
<thead><tr><th><?cs var:Lang.fields.name ?></th><th><?cs var:Lang.fields.status ?></th><th><?cs var:Lang.tablets.last_seen ?></th><th><?cs var:Lang.common.actions ?></th></tr></thead>
<tbody>
<?cs each:t = Tablets ?><tr<?cs if:t.revoked ?> class="muted"<?cs /if ?> data-tablet="<?cs var:t.id ?>">
<td><?cs var:t.name ?></td>
<td><?cs if:t.revoked ?><span class="tag"><?cs var:Lang.tablets.revoked ?></span> <small><?cs var:string.slice(t.revoked, 0, 16) ?> UTC</small>
<?cs elif:t.paired == "1" ?><span class="tag"><?cs var:Lang.tablets.paired ?></span> <small><?cs var:string.slice(t.paired_at, 0, 16) ?> UTC</small>
<?cs else ?><span class="tag"><?cs var:Lang.tablets.not_paired ?></span><?cs /if ?></td>
<td><?cs if:t.last_seen ?><small><?cs var:string.slice(t.last_seen, 0, 19) ?> UTC</small><?cs else ?><span class="muted"><?cs var:Lang.common.never ?></span><?cs /if ?></td>
<td><?cs if:!t.revoked ?>
<form method="post" action="/admin/tablets/<?cs var:t.id ?>/pairing" class="inline"<?cs if:t.paired == "1" ?> data-confirm="<?cs var:Lang.tablets.new_code_confirm ?>"<?cs /if ?>><?cs call:csrf() ?><button type="submit"><?cs var:Lang.tablets.new_code ?></button></form>
<form method="post" action="/admin/tablets/<?cs var:t.id ?>/revoke" class="inline" data-confirm="<?cs var:Lang.tablets.revoke_confirm ?>"><?cs call:csrf() ?><button type="submit" class="danger"><?cs var:Lang.tablets.revoke ?></button></form>
<?cs /if ?></td>
</tr><?cs /each ?>
</tbody></table>
<?cs /if ?>
<h2><?cs var:Lang.tablets.new ?></h2>
<form method="post" action="/admin/sites/<?cs var:Site.id ?>/tablets" class="card stack" id="tablet-form">
  <?cs call:csrf() ?>
  <label><?cs var:Lang.fields.name ?> <input name="name" value="<?cs var:Tablet.name ?>" required maxlength="120"<?cs call:field_class("name") ?>></label>
  <div class="actions"><button type="submit" class="primary"><?cs var:Lang.common.create ?></button></div>
</form>
<?cs /def ?>
<?cs include:"layout/layout.cs" ?>
