<?cs include:"layout/macros.cs" ?>
<?cs def:page_title() ?><?cs var:Lang.banks.new ?> · <?cs var:Site.name ?><?cs /def ?>
<?cs def:page_body() ?>
<h1><?cs var:Lang.banks.new ?> <small class="muted"><?cs var:Site.name ?></small></h1>
<form method="post" action="/admin/sites/<?cs var:Site.id ?>/banks" class="card stack" id="bank-form">
  <?cs call:csrf() ?>
  <div class="row">
    <label><?cs var:Lang.fields.name ?> <input name="name" value="<?cs var:Bank.name ?>" required maxlength="120"<?cs call:field_class("name") ?>></label>
    <label><?cs var:Lang.fields.location ?> <input name="location" value="<?cs var:Bank.location ?>" maxlength="255"<?cs call:field_class("location") ?>></label>
  </div>
  <div class="row">
    <label><?cs var:Lang.fields.label_prefix ?> <input name="label_prefix" value="<?cs var:Bank.label_prefix ?>" maxlength="16" size="6" placeholder="A-"<?cs call:field_class("label_prefix") ?>></label>
    <label><?cs var:Lang.fields.columns ?> <input name="columns" type="number" min="1" max="48" value="<?cs var:Bank.columns ?>" required<?cs call:field_class("columns") ?>></label>
  </div>
  <p class="muted"><?cs var:Lang.banks.layout_help ?></p>
  <table class="list layout">
  <thead><tr><th><?cs var:Lang.fields.size ?></th><th><?cs var:Lang.fields.count ?></th><th><?cs var:Lang.fields.width ?></th><th><?cs var:Lang.fields.height ?></th><th><?cs var:Lang.fields.depth ?></th><th><?cs var:Lang.fields.features ?></th></tr></thead>
  <tbody>
  <?cs each:g = Groups ?><tr>
    <th><?cs var:g.size ?></th>
    <td><input name="count_<?cs var:g.size ?>" type="number" min="0" max="500" value="<?cs var:g.count ?>" size="4"<?cs call:field_class("count") ?>></td>
    <td><input name="width_<?cs var:g.size ?>" type="number" min="50" max="3000" value="<?cs var:g.width ?>"<?cs call:field_class("dimensions") ?>></td>
    <td><input name="height_<?cs var:g.size ?>" type="number" min="50" max="3000" value="<?cs var:g.height ?>"<?cs call:field_class("dimensions") ?>></td>
    <td><input name="depth_<?cs var:g.size ?>" type="number" min="50" max="3000" value="<?cs var:g.depth ?>"<?cs call:field_class("dimensions") ?>></td>
    <td><?cs each:f = Features ?><label class="check"><input type="checkbox" name="features_<?cs var:g.size ?>" value="<?cs var:f ?>"<?cs call:checked_in(g.features, f) ?>> <?cs var:Lang.features[f] ?></label> <?cs /each ?></td>
  </tr><?cs /each ?>
  </tbody></table>
  <div class="actions"><button type="submit" class="primary"><?cs var:Lang.banks.create ?></button> <a href="/admin/sites/<?cs var:Site.id ?>"><?cs var:Lang.common.cancel ?></a></div>
</form>
<?cs /def ?>
<?cs include:"layout/layout.cs" ?>
