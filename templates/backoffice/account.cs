<?cs include:"layout/macros.cs" ?>
<?cs include:"backoffice/account_macros.cs" ?>
<?cs def:page_title() ?><?cs var:Lang.payments.account ?> · <?cs var:Customer.name ?><?cs /def ?>
<?cs def:page_body() ?>
<div class="head"><h1><?cs var:Lang.payments.account ?> <small class="muted"><a href="/admin/customers/<?cs var:Customer.id ?>"><?cs var:Customer.name ?></a> · <?cs var:Site.name ?></small></h1>
<a class="button" href="/admin/customers/<?cs var:Customer.id ?>/statement"><?cs var:Lang.payments.statement ?></a></div>
<?cs call:balance_line() ?>

<?cs if:Can.payments_record ?>
<form method="post" action="/admin/customers/<?cs var:Customer.id ?>/payments" class="card stack" id="payment-form">
  <?cs call:csrf() ?>
  <input type="hidden" name="idem" value="<?cs var:Pay.idem ?>">
  <h2><?cs var:Lang.payments.record_payment ?></h2>
  <div class="row">
    <label><?cs var:Lang.fields.amount ?> (<?cs var:Site.currency ?>) <input name="amount" value="<?cs var:Pay.amount ?>" inputmode="decimal" required maxlength="24"<?cs call:form_field_class("pay", "amount") ?>></label>
    <label><?cs var:Lang.fields.method ?> <select name="method"<?cs call:form_field_class("pay", "method") ?>><?cs each:m = Methods ?><option value="<?cs var:m ?>"<?cs if:m == Pay.method ?> selected<?cs /if ?>><?cs var:Lang.payments.methods[m] ?></option><?cs /each ?></select></label>
    <label><?cs var:Lang.fields.reference ?> <input name="reference" value="<?cs var:Pay.reference ?>" maxlength="120"<?cs call:form_field_class("pay", "reference") ?>></label>
    <label><?cs var:Lang.fields.received_on ?> <input name="received_on" type="date" value="<?cs var:Pay.received_on ?>" max="<?cs var:Today ?>" required<?cs call:form_field_class("pay", "received_on") ?>></label>
  </div>
  <div class="actions"><button type="submit" class="primary"><?cs var:Lang.payments.record_payment ?></button></div>
</form>
<?cs /if ?>

<?cs if:Can.ledger_adjust ?>
<form method="post" action="/admin/customers/<?cs var:Customer.id ?>/adjustments" class="card stack" id="adjustment-form">
  <?cs call:csrf() ?>
  <input type="hidden" name="idem" value="<?cs var:Adj.idem ?>">
  <h2><?cs var:Lang.payments.adjustment ?></h2>
  <p class="muted"><small><?cs var:Lang.payments.adjustment_help ?></small></p>
  <div class="row">
    <label><?cs var:Lang.fields.kind ?> <select name="kind"<?cs call:form_field_class("adj", "kind") ?>><?cs each:k = AdjustKinds ?><option value="<?cs var:k ?>"<?cs if:k == Adj.kind ?> selected<?cs /if ?>><?cs var:Lang.payments.kinds[k] ?></option><?cs /each ?></select></label>
    <label><?cs var:Lang.fields.amount ?> (<?cs var:Site.currency ?>) <input name="amount" value="<?cs var:Adj.amount ?>" inputmode="decimal" required maxlength="24"<?cs call:form_field_class("adj", "amount") ?>></label>
    <label><?cs var:Lang.fields.reason ?> <input name="reason" value="<?cs var:Adj.reason ?>" maxlength="500" required<?cs call:form_field_class("adj", "reason") ?>></label>
  </div>
  <div class="actions"><button type="submit"><?cs var:Lang.payments.post_adjustment ?></button></div>
</form>
<?cs /if ?>

<h2><?cs var:Lang.payments.history ?></h2>
<?cs if:subcount(History) == 0 ?><p class="muted"><?cs var:Lang.payments.none ?></p><?cs else ?>
<table class="list compact journals">
<thead><tr><th><?cs var:Lang.payments.document ?></th><th><?cs var:Lang.payments.date ?></th><th><?cs var:Lang.fields.kind ?></th><th><?cs var:Lang.fields.method ?></th><th><?cs var:Lang.fields.reference ?></th><th class="num"><?cs var:Lang.fields.amount ?></th><th><?cs var:Lang.payments.posted_by ?></th><?cs if:Can.ledger_adjust ?><th><?cs var:Lang.common.actions ?></th><?cs /if ?></tr></thead>
<tbody>
<?cs each:j = History ?><tr id="journal-<?cs var:j.id ?>"<?cs if:j.reversed_by ?> class="reversed"<?cs /if ?>>
<td><a href="/admin/journals/<?cs var:j.id ?>"><?cs if:j.document ?><?cs var:j.document ?><?cs else ?>#<?cs var:j.id ?><?cs /if ?></a></td>
<td><?cs var:j.value_date ?></td>
<td><?cs var:Lang.payments.kinds[j.kind] ?><?cs if:j.reverses ?> <small><?cs var:Lang.payments.reverses ?> <a href="/admin/journals/<?cs var:j.reverses ?>">#<?cs var:j.reverses ?></a></small><?cs /if ?><?cs if:j.reversed_by ?> <small class="reversal-link"><?cs var:Lang.payments.reversed_by ?> <a href="/admin/journals/<?cs var:j.reversed_by ?>">#<?cs var:j.reversed_by ?></a></small><?cs /if ?></td>
<td><?cs if:j.method ?><?cs var:Lang.payments.methods[j.method] ?><?cs /if ?></td>
<td class="detail"><?cs var:j.reference ?><?cs if:j.memo ?><?cs if:j.reference ?> · <?cs /if ?><small><?cs var:j.memo ?></small><?cs /if ?></td>
<td class="num"><?cs if:j.reversed_by ?><s><?cs var:j.amount ?></s><?cs else ?><?cs var:j.amount ?><?cs /if ?></td>
<td><?cs var:j.posted_by ?><br><small class="muted"><?cs var:string.slice(j.posted_at, 0, 16) ?> UTC</small></td>
<?cs if:Can.ledger_adjust ?><td><?cs if:j.idem ?>
<details><summary><?cs var:Lang.payments.reverse ?></summary>
<form method="post" action="/admin/journals/<?cs var:j.id ?>/reverse" class="stack" data-confirm="<?cs var:Lang.payments.reverse_confirm ?>">
<?cs call:csrf() ?><input type="hidden" name="idem" value="<?cs var:j.idem ?>">
<label><?cs var:Lang.fields.reason ?> <input name="reason" maxlength="500" required></label>
<button type="submit" class="danger"><?cs var:Lang.payments.reverse ?></button>
</form></details><?cs /if ?></td><?cs /if ?>
</tr><?cs /each ?>
</tbody></table>
<?cs /if ?>
<nav class="pager">
<?cs if:Pager.prev ?><a href="/admin/customers/<?cs var:Customer.id ?>/account?page=<?cs var:Pager.prev ?>" rel="prev"><?cs var:Lang.common.previous ?></a><?cs /if ?>
<?cs if:Pager.page > 1 || Pager.next ?><span><?cs var:Lang.common.page ?> <?cs var:Pager.page ?></span><?cs /if ?>
<?cs if:Pager.next ?><a href="/admin/customers/<?cs var:Customer.id ?>/account?page=<?cs var:Pager.next ?>" rel="next"><?cs var:Lang.common.next ?></a><?cs /if ?>
</nav>
<?cs /def ?>
<?cs include:"layout/layout.cs" ?>
