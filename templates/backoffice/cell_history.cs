<?cs # The cell page's history: the last door changes and open commands, newest first,
   in the site's local time. ?>
<?cs if:Lock.channel || subcount(Events) > 0 || subcount(Commands) > 0 ?>
<h2><?cs var:Lang.doors.commands ?></h2>
<?cs if:subcount(Commands) == 0 ?><p class="muted"><?cs var:Lang.doors.no_commands ?></p><?cs else ?>
<table class="list compact" id="commands">
<thead><tr><th><?cs var:Lang.doors.created ?></th><th><?cs var:Lang.fields.status ?></th><th><?cs var:Lang.doors.actor ?></th><th><?cs var:Lang.fields.reason ?></th><th><?cs var:Lang.doors.fired ?></th><th><?cs var:Lang.doors.finished ?></th><th><?cs var:Lang.doors.command ?></th></tr></thead>
<tbody>
<?cs each:c = Commands ?><tr>
<td><small><?cs var:c.created ?></small></td>
<td><span class="tag cmd-<?cs var:c.state ?>"><?cs var:Lang.doors.command_states[c.state] ?></span><?cs if:c.detail ?> <small><?cs var:c.detail ?></small><?cs /if ?></td>
<td><?cs var:c.actor ?></td>
<td class="detail"><?cs var:c.reason ?></td>
<td><small><?cs var:c.fired ?></small></td>
<td><small><?cs var:c.finished ?></small></td>
<td><small><code><?cs var:c.command_id ?></code></small></td>
</tr><?cs /each ?>
</tbody></table>
<?cs /if ?>
<h2><?cs var:Lang.doors.events ?></h2>
<?cs if:subcount(Events) == 0 ?><p class="muted"><?cs var:Lang.doors.no_events ?></p><?cs else ?>
<table class="list compact" id="events">
<thead><tr><th><?cs var:Lang.doors.at ?></th><th><?cs var:Lang.doors.door ?></th><th><?cs var:Lang.doors.occupied ?></th><th><?cs var:Lang.doors.command ?></th></tr></thead>
<tbody>
<?cs each:e = Events ?><tr>
<td><small><?cs var:e.at ?></small></td>
<td><span class="door-state door-<?cs var:e.door ?>"><?cs var:Lang.doors.door_states[e.door] ?></span></td>
<td><?cs if:e.occupied == "1" ?><?cs var:Lang.common.yes ?><?cs elif:e.occupied == "0" ?><?cs var:Lang.common.no ?><?cs else ?>—<?cs /if ?></td>
<td><?cs if:e.command_id ?><small><?cs var:Lang.doors.by_command ?> <code><?cs var:e.command_id ?></code></small><?cs /if ?></td>
</tr><?cs /each ?>
</tbody></table>
<?cs /if ?>
<p class="muted"><small><?cs var:Lang.boards.local_times ?></small></p>
<?cs /if ?>
