<?cs include:"layout/macros.cs" ?>
<?cs include:"backoffice/account_macros.cs" ?>
<?cs def:page_title() ?><?cs call:doc_title(Journal.series, Journal.document, Journal.id) ?><?cs /def ?>
<?cs def:page_body() ?>
<div class="head no-print"><?cs if:Customer.id ?><a href="/admin/customers/<?cs var:Customer.id ?>/account"><?cs var:Lang.payments.back_to_account ?></a><?cs else ?><span></span><?cs /if ?>
<?cs call:print_button() ?></div>
<article class="card document<?cs if:Journal.reversed_by ?> reversed<?cs /if ?>" id="document">
<header class="document-head">
<strong><?cs var:Site.name ?></strong><?cs if:Site.address ?><br><span class="muted"><?cs var:Site.address ?></span><?cs /if ?>
</header>
<h1><?cs call:doc_title(Journal.series, Journal.document, Journal.id) ?></h1>
<dl class="facts">
<?cs if:Customer.id ?><dt><?cs var:Lang.payments.customer ?></dt><dd><?cs var:Customer.name ?> <small class="muted">#<?cs var:Customer.id ?></small></dd><?cs /if ?>
<dt><?cs var:Lang.payments.date ?></dt><dd><?cs var:Journal.value_date ?></dd>
<dt><?cs var:Lang.fields.kind ?></dt><dd><?cs var:Lang.payments.kinds[Journal.kind] ?></dd>
<dt><?cs var:Lang.fields.amount ?></dt><dd class="amount"><?cs if:Journal.reversed_by ?><s><?cs var:Journal.amount ?></s><?cs else ?><strong><?cs var:Journal.amount ?></strong><?cs /if ?></dd>
<?cs if:Journal.method ?><dt><?cs var:Lang.fields.method ?></dt><dd><?cs var:Lang.payments.methods[Journal.method] ?></dd><?cs /if ?>
<?cs if:Journal.reference ?><dt><?cs var:Lang.fields.reference ?></dt><dd><?cs var:Journal.reference ?></dd><?cs /if ?>
<?cs if:Journal.memo ?><dt><?cs var:Lang.payments.memo ?></dt><dd><?cs var:Journal.memo ?></dd><?cs /if ?>
<dt><?cs var:Lang.payments.posted_by ?></dt><dd><?cs var:Journal.posted_by ?> <small class="muted"><?cs var:string.slice(Journal.posted_at, 0, 19) ?> UTC</small></dd>
</dl>
<?cs if:Journal.reverses ?><p class="status"><?cs var:Lang.payments.reverses ?> <a href="/admin/journals/<?cs var:Journal.reverses ?>"><?cs if:Journal.reverses_document ?><?cs var:Journal.reverses_document ?><?cs else ?>#<?cs var:Journal.reverses ?><?cs /if ?></a></p><?cs /if ?>
<?cs if:Journal.reversed_by ?><p class="status reversed-note"><strong><?cs var:Lang.payments.reversed ?></strong>: <?cs var:Lang.payments.reversed_by ?> <a href="/admin/journals/<?cs var:Journal.reversed_by ?>"><?cs if:Journal.reversed_by_document ?><?cs var:Journal.reversed_by_document ?><?cs else ?>#<?cs var:Journal.reversed_by ?><?cs /if ?></a></p><?cs /if ?>
</article>
<?cs if:Customer.id ?><div class="no-print"><?cs var:Lang.payments.current_balance ?>: <?cs call:balance_line() ?></div><?cs /if ?>
<?cs if:Journal.reversible ?>
<form method="post" action="/admin/journals/<?cs var:Journal.id ?>/reverse" class="card stack no-print" id="reverse-form" data-confirm="<?cs var:Lang.payments.reverse_confirm ?>">
  <?cs call:csrf() ?>
  <input type="hidden" name="idem" value="<?cs var:Rev.idem ?>">
  <h2><?cs var:Lang.payments.reverse ?></h2>
  <label><?cs var:Lang.fields.reason ?> <input name="reason" value="<?cs var:Rev.reason ?>" maxlength="500" required<?cs call:form_field_class("rev", "reason") ?>></label>
  <div class="actions"><button type="submit" class="danger"><?cs var:Lang.payments.reverse ?></button></div>
</form>
<?cs /if ?>
<?cs /def ?>
<?cs include:"layout/layout.cs" ?>
