<?cs # The lock-control buses of a site with their boards: settings and diagnostics from the
   database (boardd writes them), and what boardd says live when it answers. ?>
<?cs include:"layout/macros.cs" ?>
<?cs def:page_title() ?><?cs var:Lang.boards.title ?> · <?cs var:Site.name ?><?cs /def ?>
<?cs def:page_body() ?>
<div class="head"><h1><?cs var:Lang.boards.title ?> <small class="muted"><a href="/admin/sites/<?cs var:Site.id ?>"><?cs var:Site.name ?></a></small></h1>
<span><a class="button" href="/admin/sites/<?cs var:Site.id ?>/grid"><?cs var:Lang.grid.open ?></a>
<?cs if:Can.boards_manage ?><a class="button primary" href="/admin/sites/<?cs var:Site.id ?>/buses/new"><?cs var:Lang.boards.new_bus ?></a><?cs /if ?></span></div>
<p class="muted"><?cs var:Lang.boards.help ?></p>
<?cs if:Boardd.unreachable ?><p class="flash warn" role="status" id="boardd-unreachable"><?cs var:Lang.boards.unreachable ?></p><?cs /if ?>
<?cs if:Scan.bus ?>
<section class="card stack" id="scan-result" role="status">
<?cs if:Scan.failed ?>
<p><?cs var:Lang.boards.scan_failed ?> <?cs if:Scan.failed == "unreachable" ?><?cs var:Lang.doors.outcomes.unreachable ?><?cs elif:Scan.message ?><?cs var:Scan.message ?><?cs else ?><?cs var:Lang.doors.outcomes.bad_reply ?><?cs /if ?></p>
<?cs else ?>
<h2><?cs var:Lang.boards.scan_found ?> <?cs var:Bus.name ?></h2>
<?cs if:Scan.count == 0 ?><p class="muted"><?cs var:Lang.boards.scan_none ?></p><?cs else ?>
<ul><?cs each:f = Scan.found ?><li><?cs var:Lang.wiring.address ?> <strong><?cs var:f.address ?></strong> · <?cs var:Lang.boards.firmware ?> <?cs var:f.firmware ?></li><?cs /each ?></ul>
<?cs /if ?>
<?cs /if ?>
</section>
<?cs /if ?>
<?cs if:subcount(Buses) == 0 ?><p class="muted"><?cs var:Lang.boards.no_buses ?></p><?cs /if ?>
<?cs each:u = Buses ?>
<section class="bus card" data-bus="<?cs var:u.id ?>">
<div class="head"><h2><?cs var:u.name ?> <small class="muted"><code><?cs var:u.device ?></code> · <?cs var:Lang.boards.protocols[u.protocol] ?> · <?cs var:u.baud ?> Bd</small></h2>
<span>
<?cs if:u.enabled == "1" ?><span class="tag"><?cs var:Lang.boards.enabled ?></span><?cs else ?><span class="tag state-closed"><?cs var:Lang.boards.disabled ?></span><?cs /if ?>
<?cs if:!Boardd.unreachable ?><span class="tag live"><?cs var:Lang.boards.live ?>: <?cs if:u.live.open == "1" ?><?cs var:Lang.boards.device_open ?>, <?cs var:u.live.queue ?> <?cs var:Lang.boards.queue ?><?cs elif:u.live.open == "0" ?><?cs var:Lang.boards.device_closed ?>, <?cs var:u.live.queue ?> <?cs var:Lang.boards.queue ?><?cs else ?><?cs var:Lang.boards.not_running ?><?cs /if ?></span><?cs /if ?>
<?cs if:Can.boards_manage ?>
<a class="button" href="/admin/buses/<?cs var:u.id ?>/edit"><?cs var:Lang.common.edit ?></a>
<a class="button" href="/admin/buses/<?cs var:u.id ?>/boards/new"><?cs var:Lang.boards.new_board ?></a>
<form method="post" action="/admin/buses/<?cs var:u.id ?>/scan" class="inline" data-confirm="<?cs var:Lang.boards.scan_confirm ?>"><?cs call:csrf() ?><button type="submit"><?cs var:Lang.boards.scan ?></button></form>
<?cs /if ?>
</span></div>
<p class="muted"><small><?cs var:Lang.fields.poll_ms ?> <?cs var:u.poll_ms ?> · <?cs var:Lang.fields.reply_timeout_ms ?> <?cs var:u.reply_timeout_ms ?> · <?cs var:Lang.fields.retries ?> <?cs var:u.retries ?> · <?cs var:Lang.fields.open_confirm_ms ?> <?cs var:u.open_confirm_ms ?> · <?cs var:Lang.fields.door_open_alarm_s ?> <?cs var:u.door_open_alarm_s ?> · <?cs var:Lang.fields.silent_after ?> <?cs var:u.silent_after ?></small></p>
<?cs if:subcount(u.boards) == 0 ?><p class="muted"><?cs var:Lang.boards.no_boards ?></p><?cs else ?>
<table class="list compact boards">
<thead><tr><th><?cs var:Lang.fields.address ?></th><th class="num"><?cs var:Lang.fields.channels ?></th><th class="num"><?cs var:Lang.boards.wired ?></th><th><?cs var:Lang.boards.firmware ?></th><th><?cs var:Lang.fields.status ?></th><th><?cs var:Lang.boards.last_answer ?></th><th class="num"><?cs var:Lang.boards.counters ?></th><th><?cs var:Lang.boards.last_error ?></th><th></th></tr></thead>
<tbody>
<?cs each:b = u.boards ?><tr data-board="<?cs var:b.id ?>">
<td><?cs var:b.address ?></td>
<td class="num"><?cs var:b.channels ?></td>
<td class="num"><?cs var:b.wired ?></td>
<td><?cs var:b.firmware ?></td>
<td><span class="tag board-<?cs var:b.status ?>"><?cs var:Lang.boards.statuses[b.status] ?></span></td>
<td><small><?cs if:b.last_answer ?><?cs var:b.last_answer ?><?cs else ?><?cs var:Lang.boards.never ?><?cs /if ?></small></td>
<td class="num"><?cs var:b.frames_ok ?> / <?cs var:b.timeouts ?> / <?cs var:b.bad_frames ?></td>
<td class="detail"><small><?cs var:b.last_error ?></small></td>
<td><?cs if:Can.boards_manage ?><a href="/admin/boards/<?cs var:b.id ?>/edit"><?cs var:Lang.common.edit ?></a><?cs /if ?></td>
</tr><?cs /each ?>
</tbody></table>
<?cs /if ?>
</section>
<?cs /each ?>
<p class="muted"><small><?cs var:Lang.boards.local_times ?> (<?cs var:Site.time_zone ?>)</small></p>
<?cs /def ?>
<?cs include:"layout/layout.cs" ?>
