<?cs # A message's state as a coloured tag, and its kind and channel in words. ?>
<?cs def:msg_state(s) ?><span class="tag msg-<?cs var:s ?>"><?cs var:Lang.outbox.states[s] ?></span><?cs /def ?>
<?cs def:msg_kind(k) ?><?cs if:Lang.outbox.kinds[k] ?><?cs var:Lang.outbox.kinds[k] ?><?cs else ?><?cs var:k ?><?cs /if ?><?cs /def ?>
<?cs def:msg_rows(list) ?><?cs each:m = list ?><tr data-message="<?cs var:m.id ?>">
<td><a href="/admin/outbox/<?cs var:m.id ?>">#<?cs var:m.id ?></a><br><small class="muted"><?cs var:m.created_at ?></small></td>
<td><?cs call:msg_kind(m.kind) ?><?cs if:m.essential == "1" ?> <small class="muted">(<?cs var:Lang.outbox.essential ?>)</small><?cs /if ?></td>
<td><?cs var:Lang.outbox.channels[m.channel] ?><br><small class="muted"><?cs var:m.recipient ?></small></td>
<td><?cs call:msg_state(m.state) ?></td>
<td class="num"><?cs var:m.attempts ?>/<?cs var:m.max_attempts ?></td>
<td><small><?cs if:m.state == "pending" ?><?cs var:m.next_attempt_at ?><?cs elif:m.sent_at ?><?cs var:m.sent_at ?><?cs /if ?></small></td>
<td class="detail"><small><?cs var:m.last_error ?></small></td>
</tr><?cs /each ?><?cs /def ?>
<?cs def:msg_head() ?><tr><th>#</th><th><?cs var:Lang.outbox.kind ?></th><th><?cs var:Lang.outbox.channel ?></th><th><?cs var:Lang.outbox.state ?></th><th class="num"><?cs var:Lang.outbox.attempts ?></th><th><?cs var:Lang.outbox.next_or_sent ?></th><th><?cs var:Lang.outbox.last_error ?></th></tr><?cs /def ?>
