<?cs # The pairing screen: what a device without a valid token sees, and all it can do. ?>
<?cs include:"enroll/macros.cs" ?>
<?cs def:page_title() ?><?cs var:Lang.enroll.title ?><?cs /def ?>
<?cs def:page_body() ?>
<section class="card narrow enroll-pair">
  <?cs call:enroll_langs_links() ?>
  <h1><?cs var:Lang.enroll.title ?></h1>
  <p><?cs var:Lang.enroll.pair.intro ?></p>
  <?cs if:Pair.error ?><p class="flash error" role="alert" id="pair-error"><?cs var:Pair.error ?></p><?cs /if ?>
  <form method="post" action="/enroll/pair" class="stack" autocomplete="off">
    <input type="hidden" name="_csrf" value="<?cs var:CSRF ?>">
    <label><?cs var:Lang.enroll.pair.code ?>
      <input name="code" id="pair-code" required maxlength="16" autocapitalize="characters" spellcheck="false" class="code-input"<?cs if:Pair.error ?> aria-invalid="true"<?cs /if ?>></label>
    <div class="actions"><button type="submit" class="primary big"><?cs var:Lang.enroll.pair.submit ?></button></div>
  </form>
  <p class="muted"><small><?cs var:Lang.enroll.pair.help ?></small></p>
</section>
<?cs /def ?>
<?cs include:"layout/layout.cs" ?>
