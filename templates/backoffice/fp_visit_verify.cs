<?cs include:"layout/macros.cs" ?>
<?cs include:"backoffice/fp_macros.cs" ?>
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
<?cs call:fp_visit_live("identify-form", "/admin/visits/identify", "site_id", Chosen.site_id, Lang.fpvisits.identify_start) ?>
</section>
<?cs /if ?>
<?cs /def ?>
<?cs include:"layout/layout.cs" ?>
