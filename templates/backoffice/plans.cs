<?cs include:"layout/macros.cs" ?>
<?cs def:page_title() ?><?cs var:Lang.plans.title ?> · <?cs var:Site.name ?><?cs /def ?>
<?cs def:money_input(name, value) ?><input name="<?cs var:name ?>" value="<?cs var:value ?>" inputmode="decimal" size="9" maxlength="20"<?cs if:Form.error.input == name ?> class="invalid" aria-invalid="true"<?cs /if ?><?cs if:!Can.plans_manage ?> readonly<?cs /if ?>><?cs /def ?>
<?cs def:page_body() ?>
<h1><?cs var:Lang.plans.title ?> <small class="muted"><a href="/admin/sites/<?cs var:Site.id ?>"><?cs var:Site.name ?></a> · <?cs var:Site.currency ?></small></h1>
<?cs if:Site.vault != "1" ?><p class="muted"><?cs var:Lang.plans.not_vault ?></p><?cs /if ?>
<p class="muted"><?cs var:Lang.plans.help ?></p>
<form method="post" action="/admin/sites/<?cs var:Site.id ?>/plans" class="card">
  <?cs call:csrf() ?>
  <table class="list">
  <thead><tr><th rowspan="2"><?cs var:Lang.fields.size ?></th><th colspan="2"><?cs var:Lang.contracts.periods.monthly ?></th><th colspan="2"><?cs var:Lang.contracts.periods.yearly ?></th></tr>
  <tr><th><?cs var:Lang.fields.price ?></th><th><?cs var:Lang.fields.deposit ?></th><th><?cs var:Lang.fields.price ?></th><th><?cs var:Lang.fields.deposit ?></th></tr></thead>
  <tbody>
  <?cs each:p = Plans ?><tr><th><?cs var:p.size ?></th>
    <td><?cs call:money_input("price_" + p.size + "_monthly", p.monthly.price) ?></td>
    <td><?cs call:money_input("deposit_" + p.size + "_monthly", p.monthly.deposit) ?></td>
    <td><?cs call:money_input("price_" + p.size + "_yearly", p.yearly.price) ?></td>
    <td><?cs call:money_input("deposit_" + p.size + "_yearly", p.yearly.deposit) ?></td>
  </tr><?cs /each ?>
  </tbody></table>
  <?cs if:Can.plans_manage ?><div class="actions"><button type="submit" class="primary"><?cs var:Lang.common.save ?></button></div><?cs /if ?>
</form>
<?cs /def ?>
<?cs include:"layout/layout.cs" ?>
