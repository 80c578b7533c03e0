<?cs include:"layout/macros.cs" ?>
<?cs def:page_title() ?><?cs var:Lang.contracts.new ?> · <?cs var:Customer.full_name ?><?cs /def ?>
<?cs def:page_body() ?>
<h1><?cs var:Lang.contracts.new ?> <small class="muted"><a href="/admin/customers/<?cs var:Customer.id ?>"><?cs var:Customer.full_name ?></a></small></h1>
<form method="get" action="/admin/customers/<?cs var:Customer.id ?>/contracts/new" class="card stack">
  <h2><?cs var:Lang.contracts.step_needs ?></h2>
  <div class="row">
    <label><?cs var:Lang.fields.size_class ?> <select name="size"<?cs call:field_class("size_class") ?>><?cs each:s = Choices.sizes ?><option<?cs if:s == Ask.size ?> selected<?cs /if ?>><?cs var:s ?></option><?cs /each ?></select></label>
    <label><?cs var:Lang.fields.period ?> <select name="period"<?cs call:field_class("period") ?>><?cs each:p = Choices.periods ?><option value="<?cs var:p ?>"<?cs if:p == Ask.period ?> selected<?cs /if ?>><?cs var:Lang.contracts.periods[p] ?></option><?cs /each ?></select></label>
  </div>
  <fieldset<?cs call:field_class("features") ?>><legend><?cs var:Lang.fields.features ?></legend>
  <?cs each:f = Choices.features ?><label class="check"><input type="checkbox" name="features" value="<?cs var:f ?>"<?cs call:checked_in(Ask.features, f) ?>> <?cs var:Lang.features[f] ?></label> <?cs /each ?>
  </fieldset>
  <div class="actions"><button type="submit"><?cs var:Lang.contracts.find_cells ?></button></div>
</form>
<?cs if:Ask.size ?>
<form method="post" action="/admin/customers/<?cs var:Customer.id ?>/contracts" class="card stack">
  <?cs call:csrf() ?>
  <input type="hidden" name="idem_key" value="<?cs var:Ask.idem_key ?>">
  <input type="hidden" name="size" value="<?cs var:Ask.size ?>">
  <input type="hidden" name="period" value="<?cs var:Ask.period ?>">
  <?cs each:f = Choices.features ?><?cs if:string.find("," + Ask.features + ",", "," + f + ",") >= 0 ?><input type="hidden" name="features" value="<?cs var:f ?>"><?cs /if ?><?cs /each ?>
  <h2><?cs var:Lang.contracts.step_cell ?></h2>
  <?cs if:ProposalCount == 0 ?><p class="muted"><?cs var:Lang.contracts.no_cells ?></p><?cs else ?>
  <table class="list<?cs if:Form.error.field == "cell_id" ?> invalid<?cs /if ?>">
  <thead><tr><th></th><th><?cs var:Lang.contracts.cell ?></th><th><?cs var:Lang.fields.size ?></th><th><?cs var:Lang.fields.features ?></th><th class="num"><?cs var:Lang.fields.price ?> (<?cs var:Lang.contracts.periods[Ask.period] ?>)</th><th class="num"><?cs var:Lang.fields.deposit ?></th></tr></thead>
  <tbody>
  <?cs each:c = Proposals ?><?cs if:c.id ?><tr>
  <td><input type="radio" name="cell_id" value="<?cs var:c.id ?>" id="cell-<?cs var:c.id ?>"<?cs if:!c.price ?> disabled<?cs elif:c.id == Ask.cell_id || (!Ask.cell_id && name(c) == "0") ?> checked<?cs /if ?>></td>
  <td><label for="cell-<?cs var:c.id ?>"><?cs var:c.label ?></label> <small class="muted"><?cs var:c.bank ?></small></td><td><?cs var:c.size ?></td>
  <td><?cs var:c.features ?></td><td class="num"><?cs if:c.price ?><?cs var:c.price ?><?cs else ?><span class="muted"><?cs var:Lang.contracts.no_plan ?></span><?cs /if ?></td><td class="num"><?cs var:c.deposit ?></td>
  </tr><?cs /if ?><?cs /each ?>
  </tbody></table>
  <label><?cs var:Lang.fields.starts_on ?> <input type="date" name="starts_on" value="<?cs var:Ask.starts_on ?>"<?cs call:field_class("starts_on") ?>></label>
  <p class="muted"><?cs var:Lang.contracts.create_hint ?></p>
  <div class="actions"><button type="submit" class="primary"><?cs var:Lang.contracts.create ?></button></div>
  <?cs /if ?>
</form>
<?cs /if ?>
<?cs /def ?>
<?cs include:"layout/layout.cs" ?>
