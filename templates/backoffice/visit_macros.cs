<?cs # Pieces the visit pages share. ?>
<?cs def:visit_by(v) ?><?cs var:Lang.visits.by[v.verified_by] ?><?cs if:v.reason ?><br><small class="detail"><?cs var:v.reason ?></small><?cs /if ?><?cs /def ?>
<?cs def:visit_cell(v) ?><a href="/admin/visits?cell=<?cs var:v.cell_id ?>"><?cs var:v.cell ?></a> <small class="muted"><?cs var:v.bank ?></small><?cs /def ?>
<?cs def:visit_customer(v) ?><a href="/admin/visits?customer=<?cs var:v.customer_id ?>"><?cs var:v.customer ?></a><?cs /def ?>
<?cs def:checkout_form(v) ?><form method="post" action="/admin/visits/<?cs var:v.id ?>/checkout" class="inline" id="checkout-<?cs var:v.id ?>"><?cs call:csrf() ?><button type="submit"><?cs var:Lang.visits.check_out ?></button></form><?cs /def ?>
