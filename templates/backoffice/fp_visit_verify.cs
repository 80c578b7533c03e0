<?cs include:"layout/macros.cs" ?>
<?cs set:Page.scripts.fingerprint = "/static/js/fingerprint.js" ?>
<?cs def:page_title() ?><?cs var:Lang.fpvisits.title ?><?cs /def ?>
<?cs def:page_body() ?>
<div class="head"><h1><?cs var:Lang.fpvisits.title ?></h1><a class="button" href="/admin/visits/new"><?cs var:Lang.fpvisits.pick_customer ?></a><a class="button" href="/admin/visits"><?cs var:Lang.visits.title ?></a></div>
<?cs if:subcount(Readers) == 0 ?>
<p class="flash error" id="no-reader"><?cs var:Lang.fpvisits.no_reader ?></p>
<?cs else ?>
<?cs if:subcount(Readers) > 1 ?>
<form method="get" action="/admin/visits/verify" class="filters">
  <label><?cs var:Lang.visits.site ?> <select name="site"><?cs each:s = Readers ?><option value="<?cs var:s.site_id ?>"<?cs if:s.site_id == Chosen.site_id ?> selected<?cs /if ?>><?cs var:s.site ?></option><?cs /each ?></select></label>
  <button type="submit"><?cs var:Lang.visits.choose ?></button>
</form>
<?cs /if ?>
<section class="card fp-box" data-fp-box id="identify-box">
<h2><?cs var:Lang.fpvisits.identify_title ?></h2>
<p class="muted"><?cs var:Lang.fpvisits.identify_help ?></p>
<p class="reader-state reader-<?cs var:Reader.state ?>" id="reader-state"><?cs var:Lang.fpvisits.reader ?>: <?cs if:Lang.fingerprints.reader[Reader.state] ?><?cs var:Lang.fingerprints.reader[Reader.state] ?><?cs else ?><?cs var:Reader.state ?><?cs /if ?></p>
<form method="post" action="/admin/visits/identify" data-fp-live id="identify-form">
  <?cs call:csrf() ?>
  <input type="hidden" name="site_id" value="<?cs var:Chosen.site_id ?>">
  <div class="actions"><button type="submit" class="primary"><?cs var:Lang.fpvisits.identify_start ?></button>
  <button type="button" data-fp-cancel hidden><?cs var:Lang.fpvisits.cancel ?></button></div>
</form>
<p class="fp-prompt" data-fp-prompt aria-live="polite" data-working="<?cs var:Lang.fingerprints.prompt_working ?>" data-refused="<?cs var:Lang.fingerprints.refused ?>" data-network="<?cs var:Lang.fingerprints.network_failed ?>" data-cancelled="<?cs var:Lang.fingerprints.outcome.cancelled ?>"></p>
<p class="fp-stage" data-fp-stage></p>
<progress data-fp-progress max="1" value="0" hidden></progress>
<div data-fp-result></div>
</section>
<?cs /if ?>
<?cs /def ?>
<?cs include:"layout/layout.cs" ?>
