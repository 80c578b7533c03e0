<?cs def:page_title() ?><?cs var:Lang.login.title ?><?cs /def ?>
<?cs def:page_body() ?>
<section class="card narrow">
  <h1><?cs var:Lang.login.title ?></h1>
  <?cs if:Login.error ?><p class="flash error" role="alert"><?cs var:Login.error ?></p><?cs /if ?>
  <form method="post" action="/admin/login" class="stack">
    <input type="hidden" name="_csrf" value="<?cs var:CSRF ?>">
    <?cs if:Login.next ?><input type="hidden" name="next" value="<?cs var:Login.next ?>"><?cs /if ?>
    <label><?cs var:Lang.login.username ?> <input name="username" id="username" value="<?cs var:Login.username ?>" autocomplete="username" required autofocus maxlength="64"></label>
    <label><?cs var:Lang.login.password ?> <input name="password" id="password" type="password" autocomplete="current-password" required maxlength="256"></label>
    <button type="submit" class="primary"><?cs var:Lang.login.submit ?></button>
  </form>
</section>
<?cs /def ?>
<?cs include:"layout/layout.cs" ?>
