<?cs # Shared form pieces.  field_class marks the field named in a validation error. ?>
<?cs def:field_class(name) ?><?cs if:Form.error.field == name ?> class="invalid" aria-invalid="true"<?cs /if ?><?cs /def ?>
<?cs def:csrf() ?><input type="hidden" name="_csrf" value="<?cs var:CSRF ?>"><?cs /def ?>
<?cs def:yesno(v) ?><?cs if:v == "1" ?><?cs var:Lang.common.yes ?><?cs else ?><?cs var:Lang.common.no ?><?cs /if ?><?cs /def ?>
<?cs def:checked_in(csv, item) ?><?cs if:string.find("," + csv + ",", "," + item + ",") >= 0 ?> checked<?cs /if ?><?cs /def ?>
<?cs def:modules(s) ?><?cs if:s.vault == "1" ?><span class="tag"><?cs var:Lang.modules.vault ?></span> <?cs /if ?><?cs if:s.storage == "1" ?><span class="tag"><?cs var:Lang.modules.storage ?></span> <?cs /if ?><?cs if:s.mailroom == "1" ?><span class="tag"><?cs var:Lang.modules.mailroom ?></span><?cs /if ?><?cs /def ?>
