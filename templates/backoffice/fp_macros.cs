<?cs # The customer's enrolled fingers (Fingerprints.N.*), with a Delete form per finger for those who may enroll.  Times are the site's local ones. ?>
<?cs def:fp_list(prints) ?>
<?cs if:subcount(prints) == 0 ?><p class="muted" id="fp-none"><?cs var:Lang.fingerprints.none ?></p><?cs else ?>
<table class="list compact" id="fp-list">
<thead><tr><th><?cs var:Lang.fingerprints.finger ?></th><th><?cs var:Lang.fingerprints.driver ?></th><th><?cs var:Lang.fingerprints.enrolled_at ?></th><th><?cs var:Lang.fingerprints.enrolled_by ?></th><?cs if:Can.fingerprints_enroll ?><th><?cs var:Lang.common.actions ?></th><?cs /if ?></tr></thead>
<tbody>
<?cs each:p = prints ?><tr id="fp-<?cs var:p.id ?>" data-finger="<?cs var:p.finger ?>">
<td><?cs var:Lang.fingerprints.fingers[p.key] ?></td>
<td><?cs var:p.driver ?></td>
<td><?cs var:p.enrolled_at ?> <small class="muted"><?cs var:Customer.time_zone ?></small></td>
<td><?cs var:p.enrolled_by ?></td>
<?cs if:Can.fingerprints_enroll ?><td><form method="post" action="/admin/customers/<?cs var:Customer.id ?>/fingerprints/<?cs var:p.id ?>/delete" class="inline fp-delete" data-confirm="<?cs var:Lang.fingerprints.delete_confirm ?>"><?cs call:csrf() ?>
<input name="reason" maxlength="500" placeholder="<?cs var:Lang.fingerprints.reason_optional ?>" aria-label="<?cs var:Lang.fingerprints.reason_optional ?>"<?cs call:field_class("reason") ?>>
<button type="submit" class="danger"><?cs var:Lang.fingerprints.delete ?></button></form></td><?cs /if ?>
</tr><?cs /each ?>
</tbody></table>
<?cs /if ?>
<?cs /def ?>
<?cs # A visit checked on the reader, live (static/js/fingerprint.js, the page sets Page.scripts.fingerprint): the reader's state, the form (its one hidden field name = value), the prompt, the stage, the progress and the outcome. ?>
<?cs def:fp_visit_live(form_id, action, field, value, start) ?>
<p class="reader-state reader-<?cs var:Reader.state ?>" id="reader-state"><?cs var:Lang.fpvisits.reader ?>: <?cs if:Lang.fingerprints.reader[Reader.state] ?><?cs var:Lang.fingerprints.reader[Reader.state] ?><?cs else ?><?cs var:Reader.state ?><?cs /if ?></p>
<form method="post" action="<?cs var:action ?>" data-fp-live id="<?cs var:form_id ?>">
  <?cs call:csrf() ?>
  <input type="hidden" name="<?cs var:field ?>" value="<?cs var:value ?>">
  <div class="actions"><button type="submit" class="primary"><?cs var:start ?></button>
  <button type="button" data-fp-cancel hidden><?cs var:Lang.fpvisits.cancel ?></button></div>
</form>
<p class="fp-prompt" data-fp-prompt aria-live="polite" data-working="<?cs var:Lang.fingerprints.prompt_working ?>" data-refused="<?cs var:Lang.fingerprints.refused ?>" data-network="<?cs var:Lang.fingerprints.network_failed ?>" data-cancelled="<?cs var:Lang.fingerprints.outcome.cancelled ?>"></p>
<p class="fp-stage" data-fp-stage></p>
<progress data-fp-progress max="1" value="0" hidden></progress>
<div data-fp-result></div>
<?cs /def ?>
