<?cs # One message of the outbox: what it says (shown as text, never as HTML), where it stands, who did what to it. ?>
<?cs include:"layout/macros.cs" ?>
<?cs include:"backoffice/outbox_macros.cs" ?>
<?cs def:page_title() ?><?cs var:Lang.outbox.message ?> #<?cs var:Message.id ?><?cs /def ?>
<?cs def:page_body() ?>
<div class="head"><h1><?cs var:Lang.outbox.message ?> #<?cs var:Message.id ?> <?cs call:msg_state(Message.state) ?></h1>
<a href="/admin/outbox"><?cs var:Lang.outbox.back ?></a></div>
<div class="row">
<section class="card">
<dl class="facts" id="message-facts">
  <dt><?cs var:Lang.outbox.kind ?></dt><dd><?cs call:msg_kind(Message.kind) ?><?cs if:Message.essential == "1" ?> <small class="muted">(<?cs var:Lang.outbox.essential ?>)</small><?cs /if ?></dd>
  <dt><?cs var:Lang.fields.site_id ?></dt><dd><?cs if:Message.site_id ?><a href="/admin/sites/<?cs var:Message.site_id ?>"><?cs var:Message.site ?></a><?cs else ?><?cs var:Lang.outbox.alerts ?><?cs /if ?></dd>
  <?cs if:Message.customer_id ?><dt><?cs var:Lang.contracts.customer ?></dt><dd><a href="/admin/customers/<?cs var:Message.customer_id ?>"><?cs var:Message.customer ?></a></dd><?cs /if ?>
  <dt><?cs var:Lang.outbox.channel ?></dt><dd><?cs var:Lang.outbox.channels[Message.channel] ?>: <?cs var:Message.recipient ?></dd>
  <dt><?cs var:Lang.fields.language ?></dt><dd><?cs var:Message.language ?></dd>
  <dt><?cs var:Lang.outbox.created ?></dt><dd><?cs var:Message.created_at ?></dd>
  <dt><?cs var:Lang.outbox.attempts ?></dt><dd><?cs var:Message.attempts ?> / <?cs var:Message.max_attempts ?></dd>
  <?cs if:Message.state == "pending" ?><dt><?cs var:Lang.outbox.next_attempt ?></dt><dd><?cs var:Message.next_attempt_at ?></dd><?cs /if ?>
  <?cs if:Message.claimed_by ?><dt><?cs var:Lang.outbox.claimed ?></dt><dd><?cs var:Message.claimed_by ?> <small class="muted"><?cs var:Message.claimed_at ?></small></dd><?cs /if ?>
  <?cs if:Message.sent_at ?><dt><?cs var:Lang.outbox.sent ?></dt><dd><?cs var:Message.sent_at ?><?cs if:Message.provider_ref ?> <small class="muted"><?cs var:Message.provider_ref ?></small><?cs /if ?></dd><?cs /if ?>
  <?cs if:Message.last_error ?><dt><?cs var:Lang.outbox.last_error ?></dt><dd class="detail"><?cs var:Message.last_error ?></dd><?cs /if ?>
  <dt><?cs var:Lang.outbox.updated ?></dt><dd><?cs var:Message.updated_at ?></dd>
  <dt><?cs var:Lang.outbox.key ?></dt><dd><small><?cs var:Message.dedupe_key ?></small></dd>
</dl>
<?cs if:Message.state == "unknown" ?><p class="flash warn"><?cs var:Lang.outbox.unknown_help ?></p><?cs /if ?>
</section>
<?cs if:Message.can_resend || Message.can_cancel ?>
<section class="card">
<?cs if:Message.can_resend ?>
<form method="post" action="/admin/outbox/<?cs var:Message.id ?>/resend" class="stack" id="resend-form" data-confirm="<?cs if:Message.state == "unknown" ?><?cs var:Lang.outbox.resend_unknown_confirm ?><?cs else ?><?cs var:Lang.outbox.resend_confirm ?><?cs /if ?>">
  <?cs call:csrf() ?>
  <h2><?cs var:Lang.outbox.resend ?></h2>
  <label><?cs var:Lang.outbox.note ?> <input name="reason" maxlength="255" value="<?cs if:Form.which == "resend" ?><?cs var:Ask.reason ?><?cs /if ?>"<?cs if:Form.which == "resend" ?><?cs call:field_class("reason") ?><?cs /if ?>></label>
  <button type="submit" class="primary"><?cs var:Lang.outbox.resend ?></button>
</form>
<?cs /if ?>
<?cs if:Message.can_cancel ?>
<form method="post" action="/admin/outbox/<?cs var:Message.id ?>/cancel" class="stack" id="cancel-form" data-confirm="<?cs var:Lang.outbox.cancel_confirm ?>">
  <?cs call:csrf() ?>
  <h2><?cs var:Lang.outbox.cancel ?></h2>
  <label><?cs var:Lang.outbox.note ?> <input name="reason" maxlength="255" value="<?cs if:Form.which == "cancel" ?><?cs var:Ask.reason ?><?cs /if ?>"<?cs if:Form.which == "cancel" ?><?cs call:field_class("reason") ?><?cs /if ?>></label>
  <button type="submit" class="danger"><?cs var:Lang.outbox.cancel ?></button>
</form>
<?cs /if ?>
</section>
<?cs /if ?>
</div>
<section class="card">
<h2><?cs var:Lang.outbox.content ?></h2>
<?cs if:Message.subject ?><p><strong><?cs var:Lang.outbox.subject ?>:</strong> <span id="message-subject"><?cs var:Message.subject ?></span></p><?cs /if ?>
<pre class="message" id="message-text"><?cs var:Message.body_text ?></pre>
<?cs if:Message.body_html ?><details><summary><?cs var:Lang.outbox.html_part ?></summary><pre class="message" id="message-html"><?cs var:Message.body_html ?></pre></details><?cs /if ?>
</section>
<section class="card">
<h2><?cs var:Lang.outbox.actions ?></h2>
<?cs if:subcount(Actions) == 0 ?><p class="muted"><?cs var:Lang.outbox.no_actions ?></p><?cs else ?>
<table class="list compact" id="message-actions">
<thead><tr><th><?cs var:Lang.fields.at ?></th><th><?cs var:Lang.fields.actor ?></th><th><?cs var:Lang.fields.action ?></th><th><?cs var:Lang.fields.detail ?></th></tr></thead>
<tbody><?cs each:a = Actions ?><tr><td><?cs var:a.at ?></td><td><?cs var:a.actor ?></td><td><?cs var:a.action ?></td><td class="detail"><?cs var:a.detail ?></td></tr><?cs /each ?></tbody>
</table>
<?cs /if ?>
</section>
<p class="muted"><small><?cs var:Lang.outbox.times ?></small></p>
<?cs /def ?>
<?cs include:"layout/layout.cs" ?>
