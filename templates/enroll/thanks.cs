<?cs # After the submit (and the friendly refusal when the tablet's hourly limit is reached). ?>
<?cs include:"enroll/macros.cs" ?>
<?cs def:page_title() ?><?cs var:Lang.enroll.title ?><?cs /def ?>
<?cs def:page_body() ?>
<?cs if:Enroll.refresh ?><meta http-equiv="refresh" content="<?cs var:Enroll.refresh ?>;url=/enroll/?lang=<?cs var:Enroll.first_lang ?>"><?cs /if ?>
<section class="card narrow welcome enroll-thanks">
<?cs if:Enroll.refused ?>
  <h1 id="refused"><?cs var:Lang.enroll.limit.title ?></h1>
  <p><?cs var:Lang.enroll.limit.text ?></p>
  <p><a class="button primary big" href="/enroll/"><?cs var:Lang.enroll.start_over ?></a></p>
<?cs else ?>
  <h1 id="thanks"><?cs var:Lang.enroll.thanks.title ?></h1>
  <p><?cs var:Lang.enroll.thanks.text ?></p>
  <p class="muted"><?cs var:Lang.enroll.thanks.next ?></p>
  <p><a class="button big" href="/enroll/?lang=<?cs var:Enroll.first_lang ?>"><?cs var:Lang.enroll.start_over ?></a></p>
<?cs /if ?>
</section>
<?cs /def ?>
<?cs include:"layout/layout.cs" ?>
