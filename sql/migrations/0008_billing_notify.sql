-- Billing run, due tracking, notifications and the scheduler of due work.

-- Per-site billing policy.
--   bill_prorate     daily: a contract starting mid-period pays the days to
--                    the period's end, one closing mid-period gets the
--                    unused days of the period it paid back as a credit;
--                    none: the first period is charged in full and nothing
--                    is given back at closing.
--   bill_notice_days a due notice goes this many days before a period
--                    starts (0: no notice).
--   bill_overdue_days / bill_suspend_days  unpaid rent this many days old
--                    makes the customer overdue / suspends their contracts
--                    (visits are refused) until they pay.
--   bill_max_periods a contract with more periods due at once than this is
--                    parked for an operator instead of charged in bulk.
ALTER TABLE sites
  ADD COLUMN bill_prorate      ENUM('daily','none') NOT NULL DEFAULT 'daily',
  ADD COLUMN bill_notice_days  SMALLINT UNSIGNED NOT NULL DEFAULT 5,
  ADD COLUMN bill_overdue_days SMALLINT UNSIGNED NOT NULL DEFAULT 10,
  ADD COLUMN bill_suspend_days SMALLINT UNSIGNED NOT NULL DEFAULT 30,
  ADD COLUMN bill_max_periods  SMALLINT UNSIGNED NOT NULL DEFAULT 3,
  -- The local date due tracking last looked at: the next pass looks at
  -- charges that came of age since (lib/dues).
  ADD COLUMN dues_checked_on   DATE NULL;

-- Due tracking finds the charges that came of age between two passes.
ALTER TABLE ledger_journals ADD KEY ix_ledger_journals_site_date (site_id, value_date);

-- Where the billing run stands with each contract.  next_period_no is the
-- index of the next period to charge (lib/rentperiod: period 0 is charged
-- by contract_create) and next_period_on its first day; the run reads
-- only rows with next_period_on <= the site's local today, so a rerun
-- with nothing due reads no contract.  notice_on is the day the due
-- notice for next_period_on goes out, NULL once it has (or never).
-- parked_at marks a contract the safety bound stopped; it stays out of
-- the run until an operator charges or waives its periods.
-- arrears_suspended: suspended by due tracking (a payment resumes it),
-- not by a clerk.
ALTER TABLE contracts
  ADD COLUMN next_period_no    INT UNSIGNED NOT NULL DEFAULT 1,
  ADD COLUMN next_period_on    DATE NULL,
  ADD COLUMN notice_on         DATE NULL,
  ADD COLUMN parked_at         DATETIME(6) NULL,
  ADD COLUMN parked_periods    INT UNSIGNED NOT NULL DEFAULT 0,
  ADD COLUMN arrears_suspended TINYINT(1) NOT NULL DEFAULT 0,
  ADD KEY ix_contracts_billing (site_id, next_period_on),
  ADD KEY ix_contracts_notice (site_id, notice_on);

-- Contracts made before this migration: their next period is period 1.
UPDATE contracts
   SET next_period_on = IF(period = 'monthly', LAST_DAY(starts_on) + INTERVAL 1 DAY, starts_on + INTERVAL 1 YEAR)
 WHERE state <> 'closed';

-- Due tracking per customer: the stage reached and since when; a row only
-- while the customer is overdue or suspended.  oldest_unpaid is the value
-- date of the oldest charge payments have not covered (first in, first
-- out), which also keys the notices so each goes once per episode.
CREATE TABLE customer_dues (
  customer_id    BIGINT UNSIGNED NOT NULL PRIMARY KEY,
  site_id        BIGINT UNSIGNED NOT NULL,
  stage          ENUM('overdue','suspended') NOT NULL,
  oldest_unpaid  DATE         NOT NULL,
  amount         BIGINT       NOT NULL,
  since          DATETIME(6)  NOT NULL DEFAULT UTC_TIMESTAMP(6),
  KEY ix_customer_dues_site (site_id, stage),
  CONSTRAINT fk_customer_dues_customer FOREIGN KEY (customer_id) REFERENCES customers (id)
) ENGINE=InnoDB;

-- What a customer wants to hear on which channel.  Essential messages
-- (overdue, suspension) go whatever notify_optout says.
ALTER TABLE customers
  ADD COLUMN notify_sms    TINYINT(1) NOT NULL DEFAULT 1,
  ADD COLUMN notify_email  TINYINT(1) NOT NULL DEFAULT 1,
  ADD COLUMN notify_optout TINYINT(1) NOT NULL DEFAULT 0;

-- Every billing run: what it did, for the operator and the next run.
CREATE TABLE billing_runs (
  id           BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  as_of        DATETIME(6)  NOT NULL,
  started_at   DATETIME(6)  NOT NULL DEFAULT UTC_TIMESTAMP(6),
  finished_at  DATETIME(6)  NULL,
  seen         BIGINT UNSIGNED NOT NULL DEFAULT 0,
  charged      BIGINT UNSIGNED NOT NULL DEFAULT 0,
  parked       BIGINT UNSIGNED NOT NULL DEFAULT 0,
  notices      BIGINT UNSIGNED NOT NULL DEFAULT 0,
  totals       VARCHAR(1000) NOT NULL DEFAULT '',   -- "EUR 1234500; USD 10000"
  outcome      ENUM('running','done','failed') NOT NULL DEFAULT 'running',
  detail       VARCHAR(1000) NOT NULL DEFAULT ''
) ENGINE=InnoDB;

-- The notification outbox.  A row is written in the same transaction as
-- the event that causes it (a charge, a payment, a stage change) with its
-- text already rendered in the customer's language, so notifyd needs to
-- know nothing but how to deliver.  dedupe_key makes enqueueing
-- idempotent: the same event enqueued twice is one message.
--   pending  waiting for next_attempt_at
--   sending  claimed by notifyd, handed to the channel now
--   sent     the channel accepted it
--   failed   the last attempt failed; an operator may resend
--   unknown  notifyd died while sending: it may or may not have gone out,
--            so it is never retried by itself (an operator decides)
CREATE TABLE outbox (
  id               BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  site_id          BIGINT UNSIGNED NULL,
  customer_id      BIGINT UNSIGNED NULL,
  dedupe_key       VARCHAR(160) NOT NULL,
  kind             VARCHAR(40)  NOT NULL,      -- due_soon, overdue, suspended, receipt, alert, ...
  essential        TINYINT(1)   NOT NULL DEFAULT 0,
  channel          ENUM('sms','email','slack','teams') NOT NULL,
  recipient        VARCHAR(255) NOT NULL,      -- phone, e-mail address, or webhook name
  language         VARCHAR(8)   NOT NULL DEFAULT 'en',
  subject          VARCHAR(255) NOT NULL DEFAULT '',
  body_text        TEXT         NOT NULL,
  body_html        MEDIUMTEXT   NULL,
  state            ENUM('pending','sending','sent','failed','unknown','cancelled') NOT NULL DEFAULT 'pending',
  attempts         SMALLINT UNSIGNED NOT NULL DEFAULT 0,
  max_attempts     SMALLINT UNSIGNED NOT NULL DEFAULT 8,
  next_attempt_at  DATETIME(6)  NOT NULL DEFAULT UTC_TIMESTAMP(6),
  claimed_by       VARCHAR(64)  NOT NULL DEFAULT '',
  claimed_at       DATETIME(6)  NULL,
  sent_at          DATETIME(6)  NULL,
  last_error       VARCHAR(500) NOT NULL DEFAULT '',
  provider_ref     VARCHAR(190) NOT NULL DEFAULT '',
  created_at       DATETIME(6)  NOT NULL DEFAULT UTC_TIMESTAMP(6),
  updated_at       DATETIME(6)  NOT NULL DEFAULT UTC_TIMESTAMP(6),
  UNIQUE KEY uq_outbox_dedupe (dedupe_key),
  KEY ix_outbox_due (state, next_attempt_at),
  KEY ix_outbox_site_state (site_id, state, id),
  KEY ix_outbox_customer (customer_id, id)
) ENGINE=InnoDB;

-- Due work for later: "remind at 24 h", "escalate at 48 h".  A module
-- schedules a job in the transaction of the event (idempotent by
-- job_key) and may cancel it (the parcel was picked up); notifyd runs the
-- jobs whose run_at has come, each in its own transaction with the row
-- locked, so a job runs to completion once.
CREATE TABLE scheduled_jobs (
  id           BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  site_id      BIGINT UNSIGNED NULL,
  job_key      VARCHAR(160) NOT NULL,
  kind         VARCHAR(40)  NOT NULL,
  payload      VARCHAR(2000) NOT NULL DEFAULT '{}',
  run_at       DATETIME(6)  NOT NULL,
  state        ENUM('pending','done','failed','cancelled') NOT NULL DEFAULT 'pending',
  attempts     SMALLINT UNSIGNED NOT NULL DEFAULT 0,
  last_error   VARCHAR(500) NOT NULL DEFAULT '',
  created_at   DATETIME(6)  NOT NULL DEFAULT UTC_TIMESTAMP(6),
  done_at      DATETIME(6)  NULL,
  UNIQUE KEY uq_scheduled_jobs_key (job_key),
  KEY ix_scheduled_jobs_due (state, run_at)
) ENGINE=InnoDB;
