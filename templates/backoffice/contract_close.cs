<?cs include:"layout/macros.cs" ?>
<?cs include:"backoffice/customer_macros.cs" ?>
<?cs def:page_title() ?><?cs var:Lang.contracts.close ?> #<?cs var:Contract.id ?><?cs /def ?>
<?cs def:page_body() ?>
<h1><?cs var:Lang.contracts.close ?> #<?cs var:Contract.id ?> <small class="muted"><a href="/admin/customers/<?cs var:Customer.id ?>"><?cs var:Customer.full_name ?></a> · <?cs var:Contract.cell ?></small></h1>
<?cs if:Contract.state == "closed" ?><p class="muted"><?cs var:Lang.contracts.already_closed ?></p><?cs else ?>
<section class="card">
<h2><?cs var:Lang.contracts.settlement ?></h2>
<dl class="facts">
  <dt><?cs var:Lang.contracts.balance_now ?></dt><dd><?cs call:balance(Balance) ?></dd>
  <dt><?cs var:Lang.contracts.deposit_held ?></dt><dd><?cs var:Contract.deposit_held ?></dd>
  <?cs if:Quote.rent_credit_minor > 0 ?><dt><?cs var:Lang.contracts.rent_credit ?></dt><dd><?cs var:Quote.rent_credit ?></dd><?cs /if ?>
  <dt><?cs var:Lang.contracts.deposit_offset ?></dt><dd><?cs var:Quote.deposit_offset ?></dd>
  <dt><?cs var:Lang.contracts.deposit_refund ?></dt><dd><strong><?cs var:Quote.deposit_refund ?></strong></dd>
  <dt><?cs var:Lang.contracts.balance_after ?></dt><dd><?cs call:balance(Quote.balance_after) ?></dd>
</dl>
<?cs if:Quote.rent_credit_minor == 0 ?><p class="muted"><?cs var:Lang.contracts.no_rent_refund ?></p><?cs /if ?>
</section>
<form method="post" action="/admin/contracts/<?cs var:Contract.id ?>/close" class="card stack">
  <?cs call:csrf() ?>
  <input type="hidden" name="idem_key" value="<?cs var:Ask.idem_key ?>">
  <label><?cs var:Lang.fields.ends_on ?> <input type="date" name="ends_on" value="<?cs var:Ask.ends_on ?>"<?cs call:field_class("ends_on") ?>></label>
  <?cs if:Quote.refund_minor > 0 ?>
  <label><?cs var:Lang.fields.refund_method ?> <select name="method" required<?cs call:field_class("refund_method") ?>><option value=""></option><?cs each:m = Choices.methods ?><option value="<?cs var:m ?>"<?cs if:m == Ask.method ?> selected<?cs /if ?>><?cs var:Lang.contracts.methods[m] ?></option><?cs /each ?></select></label>
  <?cs /if ?>
  <div class="actions"><button type="submit" class="danger"><?cs var:Lang.contracts.confirm_close ?></button> <a href="/admin/contracts/<?cs var:Contract.id ?>"><?cs var:Lang.common.cancel ?></a></div>
</form>
<?cs /if ?>
<?cs /def ?>
<?cs include:"layout/layout.cs" ?>
