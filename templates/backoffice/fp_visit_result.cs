<?cs # The outcome of a fingerprint verification at the door (backoffice_fpvisits.c):
     streamed as the final line's html, or inside fp_visit_page.cs without JavaScript. ?>
<div class="fp-outcome fp-<?cs var:FP.outcome ?>" id="fp-outcome" data-outcome="<?cs var:FP.outcome ?>">
<?cs if:FP.customer.id ?>
<div class="visit-person">
<?cs if:FP.customer.has_photo == "1" ?><img class="visit-photo" src="/admin/customers/<?cs var:FP.customer.id ?>/photo" alt="<?cs var:Lang.visits.photo ?>: <?cs var:FP.customer.name ?>"><?cs else ?><p class="visit-photo none muted"><?cs var:Lang.visits.no_photo ?></p><?cs /if ?>
<dl class="facts">
<dt><?cs var:Lang.visits.customer ?></dt><dd><strong id="fp-customer"><?cs var:FP.customer.name ?></strong> <small class="muted">#<?cs var:FP.customer.id ?></small></dd>
<?cs if:FP.contract.cell ?><dt><?cs var:Lang.visits.cell ?></dt><dd id="fp-cell"><?cs var:FP.contract.cell ?> <small class="muted"><?cs var:FP.contract.bank ?></small></dd><?cs /if ?>
</dl>
</div>
<?cs /if ?>
<?cs if:FP.outcome == "visit_recorded" ?>
<p class="flash ok" id="fp-visit" data-visit="<?cs var:FP.visit_id ?>"><?cs var:Lang.fpvisits.recorded ?> <a href="/admin/visits?site=<?cs var:FP.site_id ?>"><?cs var:Lang.visits.inside_now ?></a></p>
<?cs elif:FP.outcome == "choose_contract" ?>
<p class="flash" id="fp-choose"><?cs var:Lang.fpvisits.choose ?></p>
<table class="list compact"><tbody>
<?cs each:c = FP.choices ?><tr>
<td><?cs var:c.cell ?> <small class="muted"><?cs var:c.bank ?></small></td>
<td>#<?cs var:c.contract_id ?> <span class="tag state-<?cs var:c.state ?>"><?cs var:Lang.visits.states[c.state] ?></span></td>
<td><?cs if:c.choosable == "1" ?><form method="post" action="/admin/visits" class="inline fp-choice">
  <input type="hidden" name="_csrf" value="<?cs var:CSRF ?>"><?cs # no macros here: rendered on its own too ?>
  <input type="hidden" name="contract_id" value="<?cs var:c.contract_id ?>">
  <input type="hidden" name="verified_by" value="fingerprint">
  <input type="hidden" name="match_id" value="<?cs var:FP.match_id ?>">
  <button type="submit" class="primary"><?cs var:Lang.fpvisits.check_in_here ?></button>
</form><?cs /if ?></td>
</tr><?cs /each ?>
</tbody></table>
<?cs elif:FP.outcome == "no_match" ?>
<p class="flash error" id="fp-no-match"><?cs if:FP.customer.id ?><?cs var:Lang.fpvisits.no_match_verify ?> <?cs var:FP.lock.failures ?> / <?cs var:FP.lock.max ?><?cs else ?><?cs var:Lang.fpvisits.no_match_identify ?><?cs /if ?></p>
<?cs elif:FP.outcome == "locked" ?>
<p class="flash error" id="fp-locked"><?cs var:Lang.fpvisits.locked ?> <strong><?cs var:FP.lock.until ?></strong>. <?cs var:Lang.fpvisits.locked_next ?></p>
<?cs elif:FP.outcome == "refused" ?>
<p class="flash error" id="fp-refused"><?cs var:Lang.errors.field[FP.refusal] ?></p>
<?cs elif:FP.outcome == "not_enrolled" ?>
<p class="flash error" id="fp-not-enrolled"><?cs var:Lang.fpvisits.not_enrolled ?></p>
<?cs else ?>
<p class="flash error" id="fp-reader"><?cs if:FpLive.message ?><?cs var:FpLive.message ?><?cs else ?><?cs var:Lang.fpvisits.reader_trouble ?><?cs /if ?></p>
<?cs /if ?>
</div>
