<?cs # The doors part of the locker grid, rendered apart and cached under the site's doors
   version: open doors and live alarms listed for pages without script, the key to the
   marks, and (for a site with locks) the address static/app.js polls to mark the cells. ?>
<?cs if:subcount(OpenDoors) > 0 || subcount(LiveAlarms) > 0 ?>
<section class="doors-now card" id="doors-now">
<?cs if:subcount(LiveAlarms) > 0 ?><h2><?cs var:Lang.doors.grid_alarms ?></h2>
<ul class="alarms-now"><?cs each:a = LiveAlarms ?><li class="alarm-item"><strong><?cs var:Lang.alarms.kinds[a.kind] ?></strong> ·
<?cs if:a.cell_id ?><a href="/admin/cells/<?cs var:a.cell_id ?>"><?cs var:a.cell ?></a><?cs elif:a.bus ?><?cs var:a.bus ?> · <?cs var:Lang.alarms.board ?> <?cs var:a.address ?><?cs /if ?>
<?cs if:a.detail ?> — <?cs var:a.detail ?><?cs /if ?> <small class="muted"><?cs var:a.raised ?><?cs if:a.cleared == "1" ?> · <?cs var:Lang.alarms.cleared ?><?cs /if ?><?cs if:a.acked == "1" ?> · <?cs var:Lang.alarms.acked ?><?cs /if ?></small></li><?cs /each ?></ul>
<?cs if:Can.alarms_view ?><p><a href="/admin/alarms?site=<?cs var:Site.id ?>"><?cs var:Lang.alarms.title ?></a></p><?cs /if ?><?cs /if ?>
<?cs if:subcount(OpenDoors) > 0 ?><h2><?cs var:Lang.doors.grid_open ?></h2>
<ul class="open-doors"><?cs each:d = OpenDoors ?><li><a href="/admin/cells/<?cs var:d.id ?>"><?cs var:d.label ?></a> <small class="muted"><?cs var:Lang.doors.since ?> <?cs var:d.since ?></small></li><?cs /each ?></ul><?cs /if ?>
</section>
<?cs /if ?>
<?cs if:Doors.wired > 0 ?><p class="door-key muted" data-doors="/admin/sites/<?cs var:Site.id ?>/doors"><small><span class="key-open">&#x21F1;</span> <?cs var:Lang.doors.key_open ?> ·
<span class="key-item"></span> <?cs var:Lang.doors.key_item ?> · <span class="key-alarm"></span> <?cs var:Lang.doors.key_alarm ?> ·
<?cs var:Lang.doors.key_live ?></small></p><?cs /if ?>
