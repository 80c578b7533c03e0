-- One MariaDB account per program, each with only what it needs.
-- Passwords are set separately (tools/stack locally; the deployment steps
-- in README.md in production), so this file holds no secret.
-- Nobody may UPDATE or DELETE audit rows: only INSERT and SELECT are granted;
-- the chain head moves by the audit_log trigger alone (0005).
-- Applied on every start: each account loses everything first, so the file
-- is the whole truth and a privilege taken out here is gone there too.

CREATE USER IF NOT EXISTS 'sr_backoffice'@'localhost';
CREATE USER IF NOT EXISTS 'sr_api'@'localhost';
CREATE USER IF NOT EXISTS 'sr_enroll'@'localhost';
CREATE USER IF NOT EXISTS 'sr_mailroom'@'localhost';
CREATE USER IF NOT EXISTS 'sr_kiosk'@'localhost';
REVOKE ALL PRIVILEGES, GRANT OPTION FROM 'sr_backoffice'@'localhost', 'sr_api'@'localhost', 'sr_enroll'@'localhost',
                                         'sr_mailroom'@'localhost', 'sr_kiosk'@'localhost';

-- backoffice: the staff back office
GRANT SELECT, INSERT, UPDATE ON sites            TO 'sr_backoffice'@'localhost';
GRANT SELECT, INSERT, UPDATE ON banks            TO 'sr_backoffice'@'localhost';
GRANT SELECT, INSERT, UPDATE ON cells            TO 'sr_backoffice'@'localhost';
GRANT SELECT, INSERT, UPDATE ON staff_users      TO 'sr_backoffice'@'localhost';
GRANT SELECT, INSERT, DELETE ON staff_user_sites TO 'sr_backoffice'@'localhost';
GRANT SELECT, INSERT, UPDATE, DELETE ON sessions       TO 'sr_backoffice'@'localhost';
GRANT SELECT, INSERT, UPDATE, DELETE ON login_throttle TO 'sr_backoffice'@'localhost';
GRANT SELECT, INSERT ON api_keys                 TO 'sr_backoffice'@'localhost';
GRANT UPDATE (revoked_at) ON api_keys            TO 'sr_backoffice'@'localhost';
GRANT SELECT, INSERT ON api_key_sites            TO 'sr_backoffice'@'localhost';
GRANT SELECT, INSERT ON audit_log                TO 'sr_backoffice'@'localhost';
GRANT SELECT ON audit_head                       TO 'sr_backoffice'@'localhost';
GRANT SELECT ON meta                             TO 'sr_backoffice'@'localhost';

-- api: integrations and devices, authenticated by API key
GRANT SELECT, INSERT ON sites                    TO 'sr_api'@'localhost';
GRANT SELECT, INSERT ON banks                    TO 'sr_api'@'localhost';
GRANT SELECT, INSERT ON cells                    TO 'sr_api'@'localhost';
GRANT SELECT ON api_keys                         TO 'sr_api'@'localhost';
GRANT UPDATE (last_used_at) ON api_keys          TO 'sr_api'@'localhost';
GRANT SELECT ON api_key_sites                    TO 'sr_api'@'localhost';
GRANT INSERT ON audit_log                        TO 'sr_api'@'localhost';
GRANT SELECT ON audit_head                       TO 'sr_api'@'localhost';

-- enroll, mailroom, kiosk: their features come later; for now they read
-- the sites they show.
GRANT SELECT ON sites TO 'sr_enroll'@'localhost';
GRANT SELECT ON sites TO 'sr_mailroom'@'localhost';
GRANT SELECT ON sites TO 'sr_kiosk'@'localhost';

-- vault (0002_vault.sql).  Ledger journals and entries: INSERT and SELECT
-- only, for every account; accounts may have only their cached balance and
-- version moved.
GRANT SELECT, INSERT, UPDATE ON customers           TO 'sr_backoffice'@'localhost';
GRANT SELECT, INSERT ON customer_consents           TO 'sr_backoffice'@'localhost';
GRANT UPDATE (withdrawn_at) ON customer_consents    TO 'sr_backoffice'@'localhost';
GRANT SELECT, INSERT, UPDATE ON plans               TO 'sr_backoffice'@'localhost';
GRANT SELECT, INSERT, UPDATE ON contracts           TO 'sr_backoffice'@'localhost';
GRANT SELECT, INSERT ON contract_events             TO 'sr_backoffice'@'localhost';
GRANT SELECT, INSERT ON ledger_accounts             TO 'sr_backoffice'@'localhost';
GRANT UPDATE (balance, version) ON ledger_accounts  TO 'sr_backoffice'@'localhost';
GRANT SELECT, INSERT ON ledger_journals             TO 'sr_backoffice'@'localhost';
GRANT SELECT, INSERT ON ledger_entries              TO 'sr_backoffice'@'localhost';
GRANT SELECT, INSERT, UPDATE ON doc_counters        TO 'sr_backoffice'@'localhost';
GRANT EXECUTE ON PROCEDURE ledger_post_batch        TO 'sr_backoffice'@'localhost';
-- ledger_post_batch keeps its batch in session-private MEMORY tables (0010);
-- ON * is the database this file is applied to.
GRANT CREATE TEMPORARY TABLES ON *                 TO 'sr_backoffice'@'localhost';
GRANT SELECT, INSERT, UPDATE ON tablets             TO 'sr_backoffice'@'localhost';
GRANT SELECT, UPDATE ON enrollment_requests         TO 'sr_backoffice'@'localhost';
GRANT SELECT, INSERT, UPDATE ON visits              TO 'sr_backoffice'@'localhost';

GRANT UPDATE (status, updated_at) ON cells          TO 'sr_api'@'localhost';
GRANT SELECT, INSERT, UPDATE ON customers           TO 'sr_api'@'localhost';
GRANT SELECT, INSERT ON customer_consents           TO 'sr_api'@'localhost';
GRANT SELECT ON plans                               TO 'sr_api'@'localhost';
GRANT SELECT, INSERT, UPDATE ON contracts           TO 'sr_api'@'localhost';
GRANT SELECT, INSERT ON contract_events             TO 'sr_api'@'localhost';
GRANT SELECT, INSERT ON ledger_accounts             TO 'sr_api'@'localhost';
GRANT UPDATE (balance, version) ON ledger_accounts  TO 'sr_api'@'localhost';
GRANT SELECT, INSERT ON ledger_journals             TO 'sr_api'@'localhost';
GRANT SELECT, INSERT ON ledger_entries              TO 'sr_api'@'localhost';
GRANT SELECT, INSERT, UPDATE ON doc_counters        TO 'sr_api'@'localhost';
GRANT EXECUTE ON PROCEDURE ledger_post_batch        TO 'sr_api'@'localhost';
-- ledger_post_batch keeps its batch in session-private MEMORY tables (0010);
-- ON * is the database this file is applied to.
GRANT CREATE TEMPORARY TABLES ON *                 TO 'sr_api'@'localhost';
GRANT SELECT, INSERT, UPDATE ON visits              TO 'sr_api'@'localhost';
GRANT SELECT, INSERT ON api_idempotency             TO 'sr_api'@'localhost';
GRANT UPDATE (object_id) ON api_idempotency        TO 'sr_api'@'localhost';

-- enroll: a paired tablet inserts requests and reads plans, nothing else
-- (it may count its own recent requests for the abuse limit).
GRANT SELECT ON plans                               TO 'sr_enroll'@'localhost';
GRANT SELECT ON tablets                             TO 'sr_enroll'@'localhost';
GRANT UPDATE (pairing_code_hash, pairing_expires_at, token_hash, paired_at, last_seen_at)
      ON tablets                                    TO 'sr_enroll'@'localhost';
GRANT INSERT ON enrollment_requests                 TO 'sr_enroll'@'localhost';
GRANT SELECT (id, tablet_id, submitted_at) ON enrollment_requests TO 'sr_enroll'@'localhost';
GRANT INSERT ON audit_log                           TO 'sr_enroll'@'localhost';
GRANT SELECT ON audit_head                          TO 'sr_enroll'@'localhost';

-- enroll: wrong pairing codes are counted per client address in
-- login_throttle under its own subject prefix ('pair:<address>').
GRANT SELECT, INSERT, UPDATE, DELETE ON login_throttle TO 'sr_enroll'@'localhost';

-- boardd (0006_boards.sql): reads the wiring, writes what the boards say.
CREATE USER IF NOT EXISTS 'sr_boardd'@'localhost';
REVOKE ALL PRIVILEGES, GRANT OPTION FROM 'sr_boardd'@'localhost';
GRANT SELECT ON sites                               TO 'sr_boardd'@'localhost';
GRANT SELECT ON cells                               TO 'sr_boardd'@'localhost';
GRANT SELECT ON board_buses                         TO 'sr_boardd'@'localhost';
GRANT SELECT ON cell_locks                          TO 'sr_boardd'@'localhost';
GRANT SELECT ON boards                              TO 'sr_boardd'@'localhost';
GRANT UPDATE (firmware, status, last_answer_at, last_error, frames_ok, timeouts, bad_frames)
      ON boards                                     TO 'sr_boardd'@'localhost';
GRANT SELECT, INSERT ON door_commands               TO 'sr_boardd'@'localhost';
GRANT UPDATE (state, detail, fired_at, finished_at) ON door_commands TO 'sr_boardd'@'localhost';
GRANT SELECT, INSERT, UPDATE ON door_states         TO 'sr_boardd'@'localhost';
GRANT SELECT, INSERT ON door_events                 TO 'sr_boardd'@'localhost';
GRANT SELECT, INSERT ON door_alarms                 TO 'sr_boardd'@'localhost';
GRANT UPDATE (cleared_at, detail) ON door_alarms    TO 'sr_boardd'@'localhost';

-- back office: configures buses, boards and wiring; reads doors and
-- commands; acknowledges alarms.  It never writes a command: boardd does.
GRANT SELECT, INSERT, UPDATE ON board_buses         TO 'sr_backoffice'@'localhost';
GRANT SELECT, INSERT, UPDATE ON boards              TO 'sr_backoffice'@'localhost';
GRANT SELECT, INSERT, UPDATE, DELETE ON cell_locks  TO 'sr_backoffice'@'localhost';
GRANT SELECT ON door_commands                       TO 'sr_backoffice'@'localhost';
GRANT SELECT ON door_states                         TO 'sr_backoffice'@'localhost';
GRANT SELECT ON door_events                         TO 'sr_backoffice'@'localhost';
GRANT SELECT ON door_alarms                         TO 'sr_backoffice'@'localhost';
GRANT UPDATE (acked_at, acked_by, ack_note) ON door_alarms TO 'sr_backoffice'@'localhost';

-- api: devices and integrations open cells through boardd and read doors.
GRANT SELECT ON cell_locks                          TO 'sr_api'@'localhost';
GRANT SELECT ON door_commands                       TO 'sr_api'@'localhost';
GRANT SELECT ON door_states                         TO 'sr_api'@'localhost';
GRANT SELECT ON door_alarms                         TO 'sr_api'@'localhost';
-- The open checks a cell's lock is on a bus that is switched on.
GRANT SELECT (id, bus_id) ON boards                 TO 'sr_api'@'localhost';
GRANT SELECT (id, enabled) ON board_buses           TO 'sr_api'@'localhost';

-- billing (0008_billing_notify.sql): `strongroomctl billing run`, fired by
-- the systemd timer.  Charges through the ledger procedure, moves each
-- contract's next period and parking, suspends and resumes contracts for
-- arrears, records due stages, puts notices in the outbox.  It cannot
-- change a price, a customer or a cell.
CREATE USER IF NOT EXISTS 'sr_billing'@'localhost';
REVOKE ALL PRIVILEGES, GRANT OPTION FROM 'sr_billing'@'localhost';
GRANT SELECT ON sites                               TO 'sr_billing'@'localhost';
GRANT UPDATE (dues_checked_on) ON sites             TO 'sr_billing'@'localhost';
GRANT SELECT ON customers                           TO 'sr_billing'@'localhost';
GRANT SELECT ON contracts                           TO 'sr_billing'@'localhost';
GRANT UPDATE (next_period_no, next_period_on, notice_on, parked_at, parked_periods, state, state_reason,
              arrears_suspended, updated_at) ON contracts TO 'sr_billing'@'localhost';
GRANT SELECT, INSERT ON contract_events             TO 'sr_billing'@'localhost';
GRANT SELECT, INSERT ON ledger_accounts             TO 'sr_billing'@'localhost';
GRANT UPDATE (balance, version) ON ledger_accounts  TO 'sr_billing'@'localhost';
GRANT SELECT, INSERT ON ledger_journals             TO 'sr_billing'@'localhost';
GRANT SELECT, INSERT ON ledger_entries              TO 'sr_billing'@'localhost';
GRANT SELECT, INSERT, UPDATE ON doc_counters        TO 'sr_billing'@'localhost';
GRANT EXECUTE ON PROCEDURE ledger_post_batch        TO 'sr_billing'@'localhost';
-- ledger_post_batch keeps its batch in session-private MEMORY tables (0010);
-- ON * is the database this file is applied to.
GRANT CREATE TEMPORARY TABLES ON *                 TO 'sr_billing'@'localhost';
GRANT SELECT, INSERT, UPDATE, DELETE ON customer_dues TO 'sr_billing'@'localhost';
GRANT SELECT, INSERT ON outbox                      TO 'sr_billing'@'localhost';
GRANT SELECT, INSERT, UPDATE ON billing_runs        TO 'sr_billing'@'localhost';
GRANT INSERT ON audit_log                           TO 'sr_billing'@'localhost';
GRANT SELECT ON audit_head                          TO 'sr_billing'@'localhost';

-- back office and api: notices and billing (0008_billing_notify.sql).
-- A payment queues its receipt in the outbox and brings due tracking up
-- to date (customer_dues; it may suspend or resume contracts and queue
-- their notices, covered by the grants on contracts above).  The back
-- office lists messages, sends a failed or unknown one again or cancels
-- one not sent (lib/outbox: these columns only), shows due stages and
-- billing runs, and charges or waives parked rent (through the ledger).
GRANT SELECT, INSERT ON outbox                      TO 'sr_backoffice'@'localhost';
GRANT UPDATE (state, attempts, next_attempt_at, claimed_by, claimed_at, last_error, updated_at)
      ON outbox                                     TO 'sr_backoffice'@'localhost';
GRANT SELECT, INSERT, UPDATE, DELETE ON customer_dues TO 'sr_backoffice'@'localhost';
GRANT SELECT ON billing_runs                        TO 'sr_backoffice'@'localhost';
GRANT SELECT, INSERT ON outbox                      TO 'sr_api'@'localhost';
GRANT SELECT, INSERT, UPDATE, DELETE ON customer_dues TO 'sr_api'@'localhost';

-- notifyd (0008_billing_notify.sql): delivers the outbox and runs
-- scheduled jobs.  It reads whole messages but may change only their
-- delivery state; it may put messages (a job's notice) and read the
-- customers and sites a notice is about; it audits an operator's resend
-- or cancel from its command line (notifyd resend|cancel).
CREATE USER IF NOT EXISTS 'sr_notifyd'@'localhost';
REVOKE ALL PRIVILEGES, GRANT OPTION FROM 'sr_notifyd'@'localhost';
GRANT SELECT, INSERT ON outbox                      TO 'sr_notifyd'@'localhost';
GRANT UPDATE (state, attempts, next_attempt_at, claimed_by, claimed_at, sent_at, last_error, provider_ref,
              updated_at) ON outbox                 TO 'sr_notifyd'@'localhost';
GRANT SELECT, INSERT ON scheduled_jobs              TO 'sr_notifyd'@'localhost';
GRANT UPDATE (state, attempts, run_at, last_error, done_at) ON scheduled_jobs TO 'sr_notifyd'@'localhost';
GRANT SELECT ON customers                           TO 'sr_notifyd'@'localhost';
GRANT SELECT ON sites                               TO 'sr_notifyd'@'localhost';
GRANT INSERT ON audit_log                           TO 'sr_notifyd'@'localhost';
GRANT SELECT ON audit_head                          TO 'sr_notifyd'@'localhost';

-- fingerd: reads the sealed templates of its site to verify and identify;
-- it writes nothing (the back office stores what an enrollment hands back).
CREATE USER IF NOT EXISTS 'sr_fingerd'@'localhost';
REVOKE ALL PRIVILEGES, GRANT OPTION FROM 'sr_fingerd'@'localhost';
GRANT SELECT ON fingerprint_templates               TO 'sr_fingerd'@'localhost';

-- back office: enrollment (stores and deletes templates with audit rows),
-- verification attempts and their lock-out.  A re-enrolled finger is a
-- new row (lib/fingerprint): no UPDATE.  Withdrawing a biometric consent
-- (lib/customer) and closing a customer's last contract (lib/contract)
-- delete the customer's templates in the same transaction; only the back
-- office calls those today.  A program that comes to call them (the API)
-- needs DELETE here too, beside its INSERT on audit_log.
GRANT SELECT, INSERT, DELETE ON fingerprint_templates TO 'sr_backoffice'@'localhost';
GRANT SELECT, INSERT ON fingerprint_attempts        TO 'sr_backoffice'@'localhost';
