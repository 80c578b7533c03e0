<?cs include:"layout/macros.cs" ?>
<?cs def:page_title() ?><?cs var:Lang.fpvisits.title ?><?cs /def ?>
<?cs def:page_body() ?>
<div class="head"><h1><?cs var:Lang.fpvisits.title ?></h1>
<a class="button" href="/admin/visits/verify<?cs if:FP.site_id ?>?site=<?cs var:FP.site_id ?><?cs /if ?>"><?cs var:Lang.fpvisits.again ?></a>
<a class="button" href="/admin/visits"><?cs var:Lang.visits.title ?></a></div>
<section class="card"><?cs include:"backoffice/fp_visit_result.cs" ?></section>
<?cs /def ?>
<?cs include:"layout/layout.cs" ?>
