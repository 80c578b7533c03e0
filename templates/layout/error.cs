<?cs def:page_title() ?><?cs var:Error.status ?> <?cs var:Error.title ?><?cs /def ?>
<?cs def:page_body() ?>
<section class="error-page">
  <h1><?cs var:Error.title ?></h1>
  <?cs if:Error.detail ?><p><?cs var:Error.detail ?></p><?cs /if ?>
  <p class="muted"><?cs var:Lang.errors.status ?> <?cs var:Error.status ?><?cs if:Error.code ?> · <code><?cs var:Error.code ?></code><?cs /if ?></p>
  <p><a href="javascript:history.back()" class="back"><?cs var:Lang.common.back ?></a></p>
</section>
<?cs /def ?>
<?cs include:"layout/layout.cs" ?>
