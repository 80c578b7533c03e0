<?cs # The subject of every notice: one line, escaping off (a mail header, not HTML). ?>
<?cs var:Text.subject ?><?cs if:Site.name ?> · <?cs var:Site.name ?><?cs /if ?>
