<?cs # The one layout.  A page defines page_title() and page_body() and then includes this file. ?><!doctype html>
<html lang="<?cs var:Page.lang ?>">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title><?cs call:page_title() ?> · Strongroom</title>
<link rel="stylesheet" href="/static/style.css">
<script src="/static/app.js" defer></script>
<?cs # A page that needs more script names it before including this file: set:Page.scripts.<name> = "/static/js/<name>.js". ?>
<?cs each:s = Page.scripts ?><script src="<?cs var:s ?>" defer></script>
<?cs /each ?>
</head>
<body class="prog-<?cs var:Page.program ?>">
<header class="top">
  <a class="brand" href="/<?cs if:Page.program == "backoffice" ?>admin<?cs else ?><?cs var:Page.program ?><?cs /if ?>/">Strongroom</a>
  <?cs if:User.id ?>
  <nav class="main">
    <?cs if:Can.dashboard_view ?><a href="/admin/"><?cs var:Lang.nav.dashboard ?></a><?cs /if ?>
    <?cs if:Can.sites_view ?><a href="/admin/sites"><?cs var:Lang.nav.sites ?></a><?cs /if ?>
    <?cs if:Can.customers_view ?><a href="/admin/customers"><?cs var:Lang.nav.customers ?></a><?cs /if ?>
    <?cs if:Can.enrollments_review ?><a href="/admin/enrollments"><?cs var:Lang.nav.enrollments ?> <span class="badge" id="enrollment-count" data-poll="/admin/enrollments/count"><?cs if:Pending.enrollments ?><?cs var:Pending.enrollments ?><?cs /if ?></span></a><?cs /if ?>
    <?cs if:Can.alarms_view ?><a href="/admin/alarms"><?cs var:Lang.nav.alarms ?> <span class="badge" id="alarm-count" data-poll="/admin/alarms/count" data-poll-interval="2000"><?cs if:Pending.alarms ?><?cs var:Pending.alarms ?><?cs /if ?></span></a><?cs /if ?>
    <?cs if:Can.visits_view ?><a href="/admin/visits"><?cs var:Lang.nav.visits ?></a><?cs /if ?>
    <?cs if:Can.outbox_view ?><a href="/admin/outbox?state=attention"><?cs var:Lang.nav.outbox ?> <span class="badge" id="outbox-count" data-poll="/admin/outbox/count" title="<?cs var:Lang.outbox.badge_hint ?>"><?cs if:Pending.outbox ?><?cs var:Pending.outbox ?><?cs /if ?></span></a><?cs /if ?>
    <?cs if:Can.users_manage ?><a href="/admin/users"><?cs var:Lang.nav.users ?></a><?cs /if ?>
    <?cs if:Can.apikeys_manage ?><a href="/admin/apikeys"><?cs var:Lang.nav.apikeys ?></a><?cs /if ?>
    <?cs if:Can.audit_view ?><a href="/admin/audit"><?cs var:Lang.nav.audit ?></a><?cs /if ?>
  </nav>
  <?cs /if ?>
  <div class="tools">
    <span class="langs"><?cs each:l = Languages ?><?cs if:l.code == Page.lang ?><strong><?cs var:l.name ?></strong><?cs else ?><a href="<?cs var:Page.self ?>?lang=<?cs var:l.code ?>" hreflang="<?cs var:l.code ?>"><?cs var:l.name ?></a><?cs /if ?> <?cs /each ?></span>
    <?cs if:User.id ?>
    <span class="who"><?cs var:User.name ?> <small>(<?cs var:Lang.roles[User.role] ?>)</small></span>
    <form method="post" action="/admin/logout" class="inline"><input type="hidden" name="_csrf" value="<?cs var:CSRF ?>"><button type="submit" class="link"><?cs var:Lang.nav.logout ?></button></form>
    <?cs /if ?>
  </div>
</header>
<main>
<?cs if:Done ?><p class="flash ok" role="status"><?cs if:Lang.done[Done] ?><?cs var:Lang.done[Done] ?><?cs else ?><?cs var:Lang.done.saved ?><?cs /if ?></p><?cs /if ?>
<?cs if:Notice ?><p class="flash warn" role="status"><?cs var:Notice ?></p><?cs /if ?>
<?cs if:Form.error.message ?><p class="flash error" role="alert"><?cs if:Form.error.label ?><strong><?cs var:Form.error.label ?>:</strong> <?cs /if ?><?cs var:Form.error.message ?></p><?cs /if ?>
<?cs call:page_body() ?>
</main>
</body>
</html>
