<?cs include:"layout/macros.cs" ?>
<?cs include:"backoffice/customer_macros.cs" ?>
<?cs def:page_title() ?><?cs var:Lang.customers.title ?><?cs /def ?>
<?cs def:page_body() ?>
<div class="head"><h1><?cs var:Lang.customers.title ?></h1><?cs if:Can.customers_manage ?><a class="button primary" href="/admin/customers/new"><?cs var:Lang.customers.new ?></a><?cs /if ?></div>
<form method="get" action="/admin/customers" class="filters row">
  <label><?cs var:Lang.customers.search ?> <input type="search" name="q" value="<?cs var:Filter.q ?>" maxlength="100" placeholder="<?cs var:Lang.customers.search_hint ?>"></label>
  <label><?cs var:Lang.fields.site_id ?> <select name="site"><option value=""><?cs var:Lang.common.all ?></option><?cs each:s = Choices.sites ?><option value="<?cs var:s.id ?>"<?cs if:s.id == Filter.site ?> selected<?cs /if ?>><?cs var:s.name ?></option><?cs /each ?></select></label>
  <button type="submit"><?cs var:Lang.common.filter ?></button>
</form>
<?cs if:subcount(Customers) == 0 ?><p class="muted"><?cs var:Lang.customers.none ?></p><?cs else ?>
<table class="list">
<thead><tr><th><?cs var:Lang.fields.full_name ?></th><th><?cs var:Lang.fields.site_id ?></th><th><?cs var:Lang.fields.phone ?></th><th class="num"><?cs var:Lang.customers.active_contracts ?></th><th class="num"><?cs var:Lang.customers.balance ?></th></tr></thead>
<tbody>
<?cs each:c = Customers ?><tr>
<td><a href="/admin/customers/<?cs var:c.id ?>"><?cs var:c.name ?></a><?cs if:c.email ?><br><small class="muted"><?cs var:c.email ?></small><?cs /if ?></td>
<td><?cs var:c.site ?></td><td><?cs var:c.phone ?></td><td class="num"><?cs var:c.contracts ?></td>
<td class="num"><?cs call:balance(c.balance) ?></td>
</tr><?cs /each ?>
</tbody></table>
<nav class="pager"><?cs if:Filter.prev ?><a href="/admin/customers?q=<?cs var:url_escape(Filter.q) ?>&amp;site=<?cs var:Filter.site ?>&amp;page=<?cs var:Filter.prev ?>"><?cs var:Lang.common.previous ?></a><?cs /if ?>
<span><?cs var:Lang.common.page ?> <?cs var:Filter.page ?></span>
<?cs if:Filter.next ?><a href="/admin/customers?q=<?cs var:url_escape(Filter.q) ?>&amp;site=<?cs var:Filter.site ?>&amp;page=<?cs var:Filter.next ?>"><?cs var:Lang.common.next ?></a><?cs /if ?></nav>
<?cs /if ?>
<?cs /def ?>
<?cs include:"layout/layout.cs" ?>
