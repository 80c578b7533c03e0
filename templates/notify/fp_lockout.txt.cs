<?cs # A staff alert (Slack, Teams): no greeting, no HTML part. ?>
<?cs var:Text.line ?>
