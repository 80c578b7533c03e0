<?cs def:page_title() ?><?cs var:Lang.placeholder.mailroom_title ?><?cs /def ?>
<?cs def:page_body() ?>
<section class="card narrow welcome">
  <h1><?cs var:Lang.placeholder.mailroom_title ?></h1>
  <p><?cs var:Lang.placeholder.mailroom_text ?></p>
</section>
<?cs /def ?>
<?cs include:"layout/layout.cs" ?>
