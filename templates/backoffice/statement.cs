<?cs include:"layout/macros.cs" ?>
<?cs include:"backoffice/account_macros.cs" ?>
<?cs def:page_title() ?><?cs var:Lang.payments.statement ?> · <?cs var:Customer.name ?><?cs /def ?>
<?cs def:page_body() ?>
<div class="head"><h1><?cs var:Lang.payments.statement ?> <small class="muted"><a href="/admin/customers/<?cs var:Customer.id ?>/account"><?cs var:Customer.name ?></a> · <?cs var:Site.name ?></small></h1>
<div class="no-print"><?cs if:Statement.shown ?><a class="button" href="/admin/customers/<?cs var:Customer.id ?>/statement.csv?from=<?cs var:url_escape(Period.from) ?>&amp;to=<?cs var:url_escape(Period.to) ?>"><?cs var:Lang.common.export_csv ?></a> <?cs call:print_button() ?><?cs /if ?></div></div>
<form method="get" action="/admin/customers/<?cs var:Customer.id ?>/statement" class="filters">
  <label><?cs var:Lang.fields.from ?> <input name="from" type="date" value="<?cs var:Period.from ?>"<?cs call:field_class("from") ?>></label>
  <label><?cs var:Lang.fields.to ?> <input name="to" type="date" value="<?cs var:Period.to ?>"<?cs call:field_class("to") ?>></label>
  <button type="submit"><?cs var:Lang.payments.show ?></button>
</form>
<?cs if:Statement.shown ?>
<p class="statement-head"><?cs var:Site.name ?><?cs if:Site.address ?> · <?cs var:Site.address ?><?cs /if ?><br>
<?cs var:Lang.payments.customer ?>: <strong><?cs var:Customer.name ?></strong> #<?cs var:Customer.id ?><br>
<?cs var:Lang.payments.period ?>: <?cs if:Statement.from ?><?cs var:Statement.from ?><?cs else ?><?cs var:Lang.payments.beginning ?><?cs /if ?> – <?cs var:Statement.to ?> · <?cs var:Statement.currency ?></p>
<table class="list compact statement" id="statement">
<thead><tr><th><?cs var:Lang.payments.date ?></th><th><?cs var:Lang.payments.document ?></th><th><?cs var:Lang.fields.kind ?></th><th><?cs var:Lang.payments.details ?></th><th class="num"><?cs var:Lang.payments.debit ?></th><th class="num"><?cs var:Lang.payments.credit ?></th><th class="num"><?cs var:Lang.payments.running ?></th></tr></thead>
<tbody>
<tr class="opening"><td colspan="6"><?cs var:Lang.payments.opening ?></td><td class="num" id="opening"><?cs var:Statement.opening ?></td></tr>
<?cs escape:"none" ?><?cs var:StatementRows ?><?cs /escape ?>
</tbody>
<tfoot>
<tr><th colspan="4"><?cs var:Lang.payments.totals ?> (<?cs var:Statement.lines ?>)</th><th class="num" id="debits"><?cs var:Statement.debits ?></th><th class="num" id="credits"><?cs var:Statement.credits ?></th><th></th></tr>
<tr><th colspan="6"><?cs var:Lang.payments.closing ?></th><th class="num" id="closing"><?cs var:Statement.closing ?></th></tr>
</tfoot>
</table>
<p class="muted"><small><?cs var:Lang.payments.legend ?></small></p>
<?cs /if ?>
<div class="no-print"><?cs var:Lang.payments.current_balance ?>: <?cs call:balance_line() ?></div>
<?cs /def ?>
<?cs include:"layout/layout.cs" ?>
