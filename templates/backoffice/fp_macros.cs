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
