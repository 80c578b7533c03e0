<?cs # The four steps of self-enrollment in one form per step.  Earlier and later steps travel as hidden fields; nothing is stored before the final submit. ?>
<?cs include:"layout/macros.cs" ?>
<?cs include:"enroll/macros.cs" ?>
<?cs def:page_title() ?><?cs var:Lang.enroll.title ?> · <?cs var:Lang.enroll.steps[Form.step] ?><?cs /def ?>
<?cs def:page_body() ?>
<form method="post" action="/enroll/step" class="enroll" id="enroll-form" data-step="<?cs var:Form.step ?>">
<input type="hidden" name="_csrf" value="<?cs var:CSRF ?>">
<input type="hidden" name="step" value="<?cs var:Form.step ?>">
<div class="enroll-top">
  <p class="enroll-site"><?cs var:Enroll.site ?></p>
  <?cs call:enroll_langs_buttons() ?>
</div>
<ol class="enroll-progress" aria-label="<?cs var:Lang.enroll.progress ?>">
  <?cs loop:i = 1, 4, 1 ?><li class="<?cs if:i == Form.step ?>current<?cs elif:i < Form.step ?>done<?cs /if ?>"<?cs if:i == Form.step ?> aria-current="step"<?cs /if ?>><span><?cs var:i ?></span> <?cs var:Lang.enroll.steps[i] ?></li><?cs /loop ?>
</ol>
<?cs if:subcount(Errors) > 0 ?><p class="flash error" role="alert" id="form-errors"><?cs var:Lang.enroll.fix_below ?></p><?cs /if ?>
<?cs if:Form.step != 1 ?><?cs call:hidden_step(1) ?><?cs /if ?>
<?cs if:Form.step != 2 ?><?cs call:hidden_step(2) ?><?cs /if ?>
<?cs if:Form.step != 3 ?><?cs call:hidden_step(3) ?><?cs /if ?>

<?cs if:Form.step == 1 ?>
<h1><?cs var:Lang.enroll.steps.1 ?></h1>
<section class="card stack">
  <?cs call:text("full_name", "text", 160, 1) ?>
  <div class="row">
    <?cs call:text("date_of_birth", "text", 10, 1) ?>
  </div>
  <div class="row">
    <label for="f-doc_type"><span><?cs var:Lang.enroll.fields.doc_type ?> <span class="req">*</span></span>
      <select id="f-doc_type" name="doc_type" required<?cs call:inv("doc_type") ?>>
        <option value=""><?cs var:Lang.enroll.choose ?></option>
        <?cs each:d = Lang.enroll.doc_types ?><option value="<?cs name:d ?>"<?cs if:Form.doc_type == name(d) ?> selected<?cs /if ?>><?cs var:d ?></option><?cs /each ?>
      </select><?cs call:err("doc_type") ?></label>
    <?cs call:text("doc_number", "text", 32, 1) ?>
    <?cs call:text("doc_expiry", "text", 10, 1) ?>
  </div>
  <p class="muted hint"><?cs var:Lang.enroll.date_hint ?></p>
  <?cs call:text("address", "text", 255, "") ?>
  <div class="row">
    <?cs call:text("phone", "tel", 32, "") ?>
    <?cs call:text("email", "email", 190, "") ?>
  </div>
  <p class="muted hint"><?cs var:Lang.enroll.contact_hint ?></p>
</section>
<h2><?cs var:Lang.enroll.nominee ?></h2>
<section class="card stack">
  <p class="muted hint"><?cs var:Lang.enroll.nominee_hint ?></p>
  <div class="row">
    <?cs call:text("nominee_name", "text", 160, "") ?>
    <?cs call:text("nominee_relation", "text", 64, "") ?>
    <?cs call:text("nominee_phone", "tel", 32, "") ?>
  </div>
</section>

<?cs elif:Form.step == 2 ?>
<h1><?cs var:Lang.enroll.steps.2 ?></h1>
<fieldset class="sizes<?cs if:Errors.size_class ?> invalid<?cs /if ?>"><legend><?cs var:Lang.enroll.fields.size_class ?> <span class="req">*</span></legend>
  <div class="size-cards">
  <?cs each:z = Sizes ?>
  <label class="size-card" for="size-<?cs var:z.size ?>">
    <input type="radio" name="size_class" id="size-<?cs var:z.size ?>" value="<?cs var:z.size ?>" required<?cs if:Form.size_class == z.size ?> checked<?cs /if ?>>
    <span class="size-name"><?cs var:Lang.enroll.sizes[z.size] ?></span>
    <span class="dims"><?cs var:Lang.enroll.inner ?>: <?cs var:z.w ?> × <?cs var:z.h ?> × <?cs var:z.d ?> <?cs var:Lang.enroll.mm ?></span>
    <?cs if:z.monthly || z.yearly ?>
    <span class="prices"><?cs if:z.monthly ?><span><?cs var:z.monthly ?> <?cs var:Lang.enroll.per.monthly ?></span><?cs /if ?><?cs if:z.yearly ?><span><?cs var:z.yearly ?> <?cs var:Lang.enroll.per.yearly ?></span><?cs /if ?></span>
    <?cs if:z.monthly_deposit || z.yearly_deposit ?><span class="muted"><?cs var:Lang.enroll.deposit ?>: <?cs if:z.monthly_deposit ?><?cs var:z.monthly_deposit ?><?cs else ?><?cs var:z.yearly_deposit ?><?cs /if ?></span><?cs /if ?>
    <?cs else ?><span class="muted"><?cs var:Lang.enroll.price_on_request ?></span><?cs /if ?>
  </label>
  <?cs /each ?>
  </div>
  <?cs call:err("size_class") ?>
</fieldset>
<fieldset<?cs if:Errors.period ?> class="invalid"<?cs /if ?>><legend><?cs var:Lang.enroll.fields.period ?> <span class="req">*</span></legend>
  <label class="check big"><input type="radio" name="period" value="monthly" required<?cs if:Form.period == "monthly" ?> checked<?cs /if ?>> <?cs var:Lang.enroll.periods.monthly ?></label>
  <label class="check big"><input type="radio" name="period" value="yearly"<?cs if:Form.period == "yearly" ?> checked<?cs /if ?>> <?cs var:Lang.enroll.periods.yearly ?></label>
  <?cs call:err("period") ?>
</fieldset>
<fieldset<?cs if:Errors.features ?> class="invalid"<?cs /if ?>><legend><?cs var:Lang.enroll.fields.features ?></legend>
  <?cs each:f = Features ?><label class="check big"><input type="checkbox" name="features" value="<?cs var:f ?>"<?cs call:checked_in(Form.features, f) ?>> <?cs var:Lang.features[f] ?></label><?cs /each ?>
  <?cs call:err("features") ?>
</fieldset>

<?cs elif:Form.step == 3 ?>
<h1><?cs var:Lang.enroll.steps.3 ?></h1>
<section class="card stack consents">
  <p class="muted"><?cs var:Lang.enroll.consent_version ?> <strong id="consent-version"><?cs var:Enroll.consent_version ?></strong></p>
  <?cs each:k = Lang.enroll.consents ?>
  <div class="consent<?cs if:Errors["consent_" + name(k)] ?> invalid<?cs /if ?>">
    <label class="check big"><input type="checkbox" name="consent_<?cs name:k ?>" value="1"<?cs if:Form["consent_" + name(k)] == "1" ?> checked<?cs /if ?><?cs if:k.required == "1" ?> required<?cs /if ?>>
      <span><strong><?cs var:k.title ?></strong><?cs if:k.required == "1" ?> <span class="req">*</span><?cs else ?> <small class="muted">(<?cs var:Lang.enroll.optional ?>)</small><?cs /if ?></span></label>
    <p class="consent-text"><?cs var:k.text ?></p>
    <?cs call:err("consent_" + name(k)) ?>
  </div>
  <?cs /each ?>
</section>

<?cs else ?>
<h1><?cs var:Lang.enroll.steps.4 ?></h1>
<p><?cs var:Lang.enroll.review_intro ?></p>
<section class="card review">
  <div class="head"><h2><?cs var:Lang.enroll.steps.1 ?></h2><button type="submit" name="nav" value="edit1" class="edit" formnovalidate><?cs var:Lang.enroll.edit ?></button></div>
  <dl class="facts">
    <?cs each:f = Lang.enroll.fields ?><?cs if:name(f) != "size_class" && name(f) != "period" && name(f) != "features" && name(f) != "doc_type" ?><?cs if:Form[name(f)] ?><dt><?cs var:f ?></dt><dd><?cs var:Form[name(f)] ?></dd><?cs /if ?><?cs elif:name(f) == "doc_type" ?><dt><?cs var:f ?></dt><dd><?cs var:Lang.enroll.doc_types[Form.doc_type] ?></dd><?cs /if ?><?cs /each ?>
  </dl>
</section>
<section class="card review">
  <div class="head"><h2><?cs var:Lang.enroll.steps.2 ?></h2><button type="submit" name="nav" value="edit2" class="edit" formnovalidate><?cs var:Lang.enroll.edit ?></button></div>
  <dl class="facts">
    <dt><?cs var:Lang.enroll.fields.size_class ?></dt><dd><?cs var:Lang.enroll.sizes[Form.size_class] ?><?cs each:z = Sizes ?><?cs if:z.size == Form.size_class ?> (<?cs var:z.w ?> × <?cs var:z.h ?> × <?cs var:z.d ?> <?cs var:Lang.enroll.mm ?>)<?cs if:z[Form.period] ?> — <?cs var:z[Form.period] ?> <?cs var:Lang.enroll.per[Form.period] ?><?cs /if ?><?cs /if ?><?cs /each ?></dd>
    <dt><?cs var:Lang.enroll.fields.period ?></dt><dd><?cs var:Lang.enroll.periods[Form.period] ?></dd>
    <dt><?cs var:Lang.enroll.fields.features ?></dt><dd><?cs if:Form.features ?><?cs each:f = Features ?><?cs if:string.find("," + Form.features + ",", "," + f + ",") >= 0 ?><span class="tag"><?cs var:Lang.features[f] ?></span> <?cs /if ?><?cs /each ?><?cs else ?><?cs var:Lang.common.none ?><?cs /if ?></dd>
  </dl>
</section>
<section class="card review">
  <div class="head"><h2><?cs var:Lang.enroll.steps.3 ?></h2><button type="submit" name="nav" value="edit3" class="edit" formnovalidate><?cs var:Lang.enroll.edit ?></button></div>
  <dl class="facts">
    <?cs each:k = Lang.enroll.consents ?><dt><?cs var:k.title ?></dt><dd><?cs if:Form["consent_" + name(k)] == "1" ?><?cs var:Lang.enroll.given ?><?cs else ?><?cs var:Lang.enroll.not_given ?><?cs /if ?></dd><?cs /each ?>
  </dl>
  <p class="muted"><small><?cs var:Lang.enroll.consent_version ?> <?cs var:Enroll.consent_version ?></small></p>
</section>
<?cs /if ?>

<div class="actions enroll-actions">
  <?cs if:Form.step > 1 ?><button type="submit" name="nav" value="back" class="big" formnovalidate><?cs var:Lang.enroll.back ?></button><?cs /if ?>
  <?cs if:Form.step < 4 ?><button type="submit" name="nav" value="next" class="primary big" id="next"><?cs var:Lang.enroll.next ?></button>
  <?cs else ?><button type="submit" name="nav" value="submit" class="primary big" id="submit" formaction="/enroll/submit"><?cs var:Lang.enroll.submit ?></button><?cs /if ?>
</div>
</form>
<?cs /def ?>
<?cs include:"layout/layout.cs" ?>
