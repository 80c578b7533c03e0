<?cs # The outcome of an enrollment (FpLive.*, backoffice_fplive.h): shown in the enrollment page, or sent alone as the live answer's last line. ?>
<?cs if:FpLive.ok == "1" && FpLive.outcome == "enrolled" ?>
<p class="flash ok" id="fp-outcome" data-outcome="enrolled" role="status"><?cs var:Lang.fingerprints.enrolled ?>: <strong><?cs var:Lang.fingerprints.fingers[Enrolled.key] ?></strong></p>
<p><a href="/admin/customers/<?cs var:Customer.id ?>#fingerprints"><?cs var:Lang.fingerprints.back_to_customer ?></a> · <a href="/admin/customers/<?cs var:Customer.id ?>/fingerprints/enroll"><?cs var:Lang.fingerprints.enroll_another ?></a></p>
<?cs elif:FpLive.outcome ?>
<p class="flash error" id="fp-outcome" data-outcome="<?cs var:FpLive.outcome ?>" role="alert"><?cs var:FpLive.message ?></p>
<?cs /if ?>
