<?cs # Pieces every notice shares.  The .txt.cs templates are rendered with
     escaping off (SMS, chat, the e-mail's text part); the .html.cs ones with
     HTML escaping on, like every page (lib/notice.c).  Text.* are the
     language's sentences with their {values} filled in. ?>
<?cs def:text_open() ?><?cs if:Channel == "email" ?><?cs var:Text.greeting ?>

<?cs elif:Channel == "sms" ?><?cs var:Site.name ?>: <?cs /if ?><?cs /def ?>
<?cs def:text_close() ?><?cs if:Channel == "email" ?>

<?cs var:Text.regards ?>
<?cs var:Text.signature ?>
--
<?cs var:Text.footer ?><?cs /if ?><?cs /def ?>
<?cs def:html_open() ?><!doctype html>
<html lang="<?cs var:Language ?>">
<head><meta charset="utf-8"><title><?cs var:Text.subject ?></title></head>
<body style="font-family: sans-serif; line-height: 1.4; color: #222;">
<p><?cs var:Text.greeting ?></p>
<?cs /def ?>
<?cs def:html_close() ?>
<p><?cs var:Text.regards ?><br><?cs var:Text.signature ?></p>
<hr>
<p style="color: #666; font-size: small;"><?cs var:Text.footer ?></p>
</body>
</html>
<?cs /def ?>
