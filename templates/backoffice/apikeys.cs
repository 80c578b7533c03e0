<?cs include:"layout/macros.cs" ?>
<?cs def:page_title() ?><?cs var:Lang.apikeys.title ?><?cs /def ?>
<?cs def:page_body() ?>
<h1><?cs var:Lang.apikeys.title ?></h1>
<?cs if:NewKey.key ?>
<section class="card stack" role="status">
  <h2><?cs var:NewKey.name ?></h2>
  <p><?cs var:Lang.apikeys.created_once ?></p>
  <p class="secret" id="new-key"><?cs var:NewKey.key ?></p>
</section>
<?cs /if ?>
<?cs if:subcount(Keys) == 0 ?><p class="muted"><?cs var:Lang.apikeys.none ?></p><?cs else ?>
<table class="list">
<thead><tr><th><?cs var:Lang.fields.name ?></th><th><?cs var:Lang.apikeys.prefix ?></th><th><?cs var:Lang.fields.sites ?></th><th><?cs var:Lang.fields.can_write ?></th><th><?cs var:Lang.apikeys.created_at ?></th><th><?cs var:Lang.apikeys.last_used ?></th><th><?cs var:Lang.apikeys.revoked ?></th></tr></thead>
<tbody>
<?cs each:k = Keys ?><tr<?cs if:k.revoked ?> class="muted"<?cs /if ?>>
<td><?cs var:k.name ?></td>
<td><code><?cs var:k.prefix ?></code>…</td>
<td><?cs if:k.all_sites == "1" ?><span class="tag"><?cs var:Lang.fields.all_sites ?></span><?cs else ?><?cs if:k.sites ?><?cs var:k.sites ?><?cs else ?>—<?cs /if ?><?cs /if ?></td>
<td><?cs call:yesno(k.can_write) ?></td>
<td><small><?cs var:string.slice(k.created, 0, 19) ?> UTC<?cs if:k.created_by ?> · <?cs var:k.created_by ?><?cs /if ?></small></td>
<td><?cs if:k.last_used ?><small><?cs var:string.slice(k.last_used, 0, 19) ?> UTC</small><?cs else ?><span class="muted"><?cs var:Lang.common.never ?></span><?cs /if ?></td>
<td><?cs if:k.revoked ?><small><?cs var:string.slice(k.revoked, 0, 19) ?> UTC</small><?cs else ?>
<form method="post" action="/admin/apikeys/<?cs var:k.id ?>/revoke" class="inline" data-confirm="<?cs var:Lang.apikeys.revoke_confirm ?>"><?cs call:csrf() ?><button type="submit" class="danger"><?cs var:Lang.apikeys.revoke ?></button></form>
<?cs /if ?></td>
</tr><?cs /each ?>
</tbody></table>
<?cs /if ?>
<h2><?cs var:Lang.apikeys.new ?></h2>
<form method="post" action="/admin/apikeys" class="card stack">
  <?cs call:csrf() ?>
  <label><?cs var:Lang.fields.name ?> <input name="name" value="<?cs var:Key.name ?>" required maxlength="120"<?cs call:field_class("name") ?>></label>
  <fieldset<?cs call:field_class("sites") ?>><legend><?cs var:Lang.fields.sites ?></legend>
    <label class="check"><input type="checkbox" name="all_sites" value="1"<?cs if:Key.all_sites == "1" ?> checked<?cs /if ?>> <strong><?cs var:Lang.fields.all_sites ?></strong></label>
    <?cs each:s = Choices.sites ?><label class="check"><input type="checkbox" name="sites" value="<?cs var:s.id ?>"<?cs call:checked_in(Key.sites, s.id) ?>> <?cs var:s.name ?></label> <?cs /each ?>
  </fieldset>
  <label class="check"><input type="checkbox" name="can_write" value="1"<?cs if:Key.can_write == "1" ?> checked<?cs /if ?>> <?cs var:Lang.fields.can_write ?></label>
  <div class="actions"><button type="submit" class="primary"><?cs var:Lang.common.create ?></button></div>
</form>
<?cs /def ?>
<?cs include:"layout/layout.cs" ?>
