-- Vault: customers, plans, contracts, the double-entry ledger, tablets and
-- self-enrollment requests, visits.  Money is BIGINT minor units with the
-- site's currency; dates a customer sees (birth, contract start) are DATE
-- in the site's time zone; instants are DATETIME(6) UTC.

CREATE TABLE customers (
  id                  BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  site_id             BIGINT UNSIGNED NOT NULL,
  full_name           VARCHAR(160) NOT NULL,
  date_of_birth       DATE         NOT NULL,
  doc_type            ENUM('passport','national_id','driving_licence','residence_permit') NOT NULL,
  doc_number          VARCHAR(32)  NOT NULL,
  doc_expiry          DATE         NOT NULL,
  address             VARCHAR(255) NOT NULL DEFAULT '',
  phone               VARCHAR(32)  NOT NULL DEFAULT '',
  email               VARCHAR(190) NOT NULL DEFAULT '',
  -- File name under Paths.Uploads/photos (never under the web root).
  photo_file          VARCHAR(80)  NULL,
  photo_type          VARCHAR(32)  NULL,
  nominee_name        VARCHAR(160) NOT NULL DEFAULT '',
  nominee_relation    VARCHAR(64)  NOT NULL DEFAULT '',
  nominee_phone       VARCHAR(32)  NOT NULL DEFAULT '',
  co_holder_name      VARCHAR(160) NOT NULL DEFAULT '',
  language            VARCHAR(8)   NOT NULL DEFAULT 'en',
  payment_preference  ENUM('monthly','yearly') NOT NULL DEFAULT 'monthly',
  notes               VARCHAR(1000) NOT NULL DEFAULT '',
  source              ENUM('staff','tablet','api') NOT NULL DEFAULT 'staff',
  created_by          BIGINT UNSIGNED NULL,
  created_at          DATETIME(6)  NOT NULL DEFAULT UTC_TIMESTAMP(6),
  updated_at          DATETIME(6)  NOT NULL DEFAULT UTC_TIMESTAMP(6),
  UNIQUE KEY uq_customers_site_doc (site_id, doc_type, doc_number),
  KEY ix_customers_site_name (site_id, full_name),
  KEY ix_customers_phone (phone),
  KEY ix_customers_email (email),
  CONSTRAINT fk_customers_site FOREIGN KEY (site_id) REFERENCES sites (id)
) ENGINE=InnoDB;

-- What the customer agreed to, which text version, when, and withdrawal.
CREATE TABLE customer_consents (
  id            BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  customer_id   BIGINT UNSIGNED NOT NULL,
  kind          ENUM('terms','privacy','biometric','marketing') NOT NULL,
  text_version  VARCHAR(32)  NOT NULL,
  granted_at    DATETIME(6)  NOT NULL DEFAULT UTC_TIMESTAMP(6),
  withdrawn_at  DATETIME(6)  NULL,
  source        ENUM('staff','tablet','api') NOT NULL,
  KEY ix_consents_customer (customer_id, kind),
  CONSTRAINT fk_consents_customer FOREIGN KEY (customer_id) REFERENCES customers (id)
) ENGINE=InnoDB;

-- One price per site, size class and period.  A price change updates the
-- row; running contracts keep the price they snapshotted.
CREATE TABLE plans (
  id          BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  site_id     BIGINT UNSIGNED NOT NULL,
  size_class  ENUM('S','M','L','XL') NOT NULL,
  period      ENUM('monthly','yearly') NOT NULL,
  price       BIGINT       NOT NULL,
  deposit     BIGINT       NOT NULL DEFAULT 0,
  active      TINYINT(1)   NOT NULL DEFAULT 1,
  updated_at  DATETIME(6)  NOT NULL DEFAULT UTC_TIMESTAMP(6),
  UNIQUE KEY uq_plans_site_size_period (site_id, size_class, period),
  CONSTRAINT fk_plans_site FOREIGN KEY (site_id) REFERENCES sites (id),
  CONSTRAINT ck_plans_price CHECK (price >= 0 AND deposit >= 0)
) ENGINE=InnoDB;

CREATE TABLE contracts (
  id              BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  site_id         BIGINT UNSIGNED NOT NULL,
  customer_id     BIGINT UNSIGNED NOT NULL,
  cell_id         BIGINT UNSIGNED NOT NULL,
  plan_id         BIGINT UNSIGNED NOT NULL,
  period          ENUM('monthly','yearly') NOT NULL,   -- snapshot of the plan
  price           BIGINT       NOT NULL,               -- snapshot, minor units
  deposit         BIGINT       NOT NULL DEFAULT 0,     -- snapshot
  currency        CHAR(3)      NOT NULL,
  starts_on       DATE         NOT NULL,               -- site's local date
  ends_on         DATE         NULL,                   -- set when closing
  state           ENUM('active','suspended','closing','closed') NOT NULL DEFAULT 'active',
  state_reason    VARCHAR(255) NOT NULL DEFAULT '',
  created_by      BIGINT UNSIGNED NULL,
  created_at      DATETIME(6)  NOT NULL DEFAULT UTC_TIMESTAMP(6),
  updated_at      DATETIME(6)  NOT NULL DEFAULT UTC_TIMESTAMP(6),
  closed_at       DATETIME(6)  NULL,
  -- NULL once closed, so a cell can carry many closed contracts but only
  -- one open one: the unique key is the last guard against double letting.
  open_cell_id    BIGINT UNSIGNED AS (IF(state = 'closed', NULL, cell_id)) STORED,
  UNIQUE KEY uq_contracts_open_cell (open_cell_id),
  KEY ix_contracts_customer (customer_id, state),
  KEY ix_contracts_site_state (site_id, state),
  KEY ix_contracts_cell (cell_id),
  CONSTRAINT fk_contracts_site FOREIGN KEY (site_id) REFERENCES sites (id),
  CONSTRAINT fk_contracts_customer FOREIGN KEY (customer_id) REFERENCES customers (id),
  CONSTRAINT fk_contracts_cell FOREIGN KEY (cell_id) REFERENCES cells (id),
  CONSTRAINT fk_contracts_plan FOREIGN KEY (plan_id) REFERENCES plans (id)
) ENGINE=InnoDB;

-- Every state change of a contract, in order.
CREATE TABLE contract_events (
  id           BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  contract_id  BIGINT UNSIGNED NOT NULL,
  at           DATETIME(6)  NOT NULL DEFAULT UTC_TIMESTAMP(6),
  actor_name   VARCHAR(64)  NOT NULL DEFAULT '',
  event        VARCHAR(32)  NOT NULL,     -- created, suspended, resumed, closing, closed
  from_state   VARCHAR(16)  NOT NULL DEFAULT '',
  to_state     VARCHAR(16)  NOT NULL DEFAULT '',
  detail       VARCHAR(500) NOT NULL DEFAULT '',
  KEY ix_contract_events (contract_id, id),
  CONSTRAINT fk_contract_events FOREIGN KEY (contract_id) REFERENCES contracts (id)
) ENGINE=InnoDB;

-- ---------------------------------------------------------------- ledger
-- Double-entry, append-only.  Amounts are signed: debit > 0, credit < 0.
-- A customer account's balance > 0 is money the customer owes; < 0 is
-- credit the customer holds.  No program account may UPDATE or DELETE
-- journals or entries (grants.sql); accounts may only have their cached
-- balance and version updated.

CREATE TABLE ledger_accounts (
  id           BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  site_id      BIGINT UNSIGNED NOT NULL,
  -- 'customer:<id>' or a system account: cash, card, bank_transfer,
  -- rent_revenue, deposits_held, write_offs.
  code         VARCHAR(40)  NOT NULL,
  kind         ENUM('customer','cash','card','bank_transfer','rent_revenue','deposits_held','write_offs') NOT NULL,
  customer_id  BIGINT UNSIGNED NULL,
  currency     CHAR(3)      NOT NULL,
  balance      BIGINT       NOT NULL DEFAULT 0,
  version      BIGINT UNSIGNED NOT NULL DEFAULT 0,
  created_at   DATETIME(6)  NOT NULL DEFAULT UTC_TIMESTAMP(6),
  UNIQUE KEY uq_ledger_accounts_code (site_id, code),
  UNIQUE KEY uq_ledger_accounts_customer (customer_id),
  CONSTRAINT fk_ledger_accounts_site FOREIGN KEY (site_id) REFERENCES sites (id),
  CONSTRAINT fk_ledger_accounts_customer FOREIGN KEY (customer_id) REFERENCES customers (id)
) ENGINE=InnoDB;

CREATE TABLE ledger_journals (
  id            BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  site_id       BIGINT UNSIGNED NOT NULL,
  idem_key      VARCHAR(128) NOT NULL,
  kind          ENUM('payment','charge','deposit','credit','debit','reversal','refund','deposit_refund',
                     'deposit_offset','write_off') NOT NULL,
  customer_id   BIGINT UNSIGNED NULL,
  contract_id   BIGINT UNSIGNED NULL,
  currency      CHAR(3)      NOT NULL,
  amount        BIGINT       NOT NULL,   -- the journal's headline amount (>= 0), for lists
  method        ENUM('cash','card','bank_transfer') NULL,  -- payments and refunds
  reference     VARCHAR(120) NOT NULL DEFAULT '',
  memo          VARCHAR(500) NOT NULL DEFAULT '',
  value_date    DATE         NOT NULL,   -- date received / charged, site's local date
  -- Gap-free per site and series: R-000001 receipts, I-000001 invoices.
  doc_series    ENUM('receipt','invoice') NULL,
  doc_number    BIGINT UNSIGNED NULL,
  reverses_id   BIGINT UNSIGNED NULL,
  posted_by     VARCHAR(64)  NOT NULL DEFAULT '',
  posted_at     DATETIME(6)  NOT NULL DEFAULT UTC_TIMESTAMP(6),
  UNIQUE KEY uq_ledger_journals_key (idem_key),
  UNIQUE KEY uq_ledger_journals_doc (site_id, doc_series, doc_number),
  -- A journal is reversed at most once.
  UNIQUE KEY uq_ledger_journals_reverses (reverses_id),
  KEY ix_ledger_journals_customer (customer_id, value_date, id),
  KEY ix_ledger_journals_contract (contract_id, id),
  CONSTRAINT fk_ledger_journals_site FOREIGN KEY (site_id) REFERENCES sites (id),
  CONSTRAINT fk_ledger_journals_customer FOREIGN KEY (customer_id) REFERENCES customers (id),
  CONSTRAINT fk_ledger_journals_contract FOREIGN KEY (contract_id) REFERENCES contracts (id),
  CONSTRAINT fk_ledger_journals_reverses FOREIGN KEY (reverses_id) REFERENCES ledger_journals (id)
) ENGINE=InnoDB;

CREATE TABLE ledger_entries (
  id          BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  journal_id  BIGINT UNSIGNED NOT NULL,
  account_id  BIGINT UNSIGNED NOT NULL,
  amount      BIGINT       NOT NULL,
  KEY ix_ledger_entries_account (account_id, journal_id),
  KEY ix_ledger_entries_journal (journal_id),
  CONSTRAINT fk_ledger_entries_journal FOREIGN KEY (journal_id) REFERENCES ledger_journals (id),
  CONSTRAINT fk_ledger_entries_account FOREIGN KEY (account_id) REFERENCES ledger_accounts (id),
  CONSTRAINT ck_ledger_entries_nonzero CHECK (amount <> 0)
) ENGINE=InnoDB;

-- Next document number per site and series, taken FOR UPDATE inside the
-- posting transaction: a rolled-back posting gives its number back.
CREATE TABLE doc_counters (
  site_id   BIGINT UNSIGNED NOT NULL,
  series    ENUM('receipt','invoice') NOT NULL,
  next_no   BIGINT UNSIGNED NOT NULL DEFAULT 1,
  PRIMARY KEY (site_id, series),
  CONSTRAINT fk_doc_counters_site FOREIGN KEY (site_id) REFERENCES sites (id)
) ENGINE=InnoDB;

-- ---------------------------------------------------- tablets, enrollment

CREATE TABLE tablets (
  id                 BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  site_id            BIGINT UNSIGNED NOT NULL,
  name               VARCHAR(120) NOT NULL,
  pairing_code_hash  CHAR(64)     NULL,       -- until paired; the code itself is shown once
  pairing_expires_at DATETIME(6)  NULL,
  token_hash         CHAR(64)     NULL,       -- the device token, once paired
  paired_at          DATETIME(6)  NULL,
  revoked_at         DATETIME(6)  NULL,
  last_seen_at       DATETIME(6)  NULL,
  created_by         BIGINT UNSIGNED NULL,
  created_at         DATETIME(6)  NOT NULL DEFAULT UTC_TIMESTAMP(6),
  UNIQUE KEY uq_tablets_pairing (pairing_code_hash),
  UNIQUE KEY uq_tablets_token (token_hash),
  CONSTRAINT fk_tablets_site FOREIGN KEY (site_id) REFERENCES sites (id)
) ENGINE=InnoDB;

-- A request from a tablet, written whole at the last step.
CREATE TABLE enrollment_requests (
  id                  BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  site_id             BIGINT UNSIGNED NOT NULL,
  tablet_id           BIGINT UNSIGNED NOT NULL,
  state               ENUM('pending','approved','rejected') NOT NULL DEFAULT 'pending',
  full_name           VARCHAR(160) NOT NULL,
  date_of_birth       DATE         NOT NULL,
  doc_type            ENUM('passport','national_id','driving_licence','residence_permit') NOT NULL,
  doc_number          VARCHAR(32)  NOT NULL,
  doc_expiry          DATE         NOT NULL,
  address             VARCHAR(255) NOT NULL DEFAULT '',
  phone               VARCHAR(32)  NOT NULL DEFAULT '',
  email               VARCHAR(190) NOT NULL DEFAULT '',
  nominee_name        VARCHAR(160) NOT NULL DEFAULT '',
  nominee_relation    VARCHAR(64)  NOT NULL DEFAULT '',
  nominee_phone       VARCHAR(32)  NOT NULL DEFAULT '',
  language            VARCHAR(8)   NOT NULL DEFAULT 'en',
  payment_preference  ENUM('monthly','yearly') NOT NULL DEFAULT 'monthly',
  size_class          ENUM('S','M','L','XL') NOT NULL,
  features            SET('charging','refrigerated','heated','accessible') NOT NULL DEFAULT '',
  consent_terms       VARCHAR(32)  NOT NULL,     -- text version agreed to
  consent_privacy     VARCHAR(32)  NOT NULL,
  consent_biometric   VARCHAR(32)  NOT NULL DEFAULT '',
  consent_marketing   VARCHAR(32)  NOT NULL DEFAULT '',
  submitted_at        DATETIME(6)  NOT NULL DEFAULT UTC_TIMESTAMP(6),
  reviewed_by         BIGINT UNSIGNED NULL,
  reviewed_at         DATETIME(6)  NULL,
  reject_reason       VARCHAR(500) NOT NULL DEFAULT '',
  customer_id         BIGINT UNSIGNED NULL,
  contract_id         BIGINT UNSIGNED NULL,
  KEY ix_enrollment_site_state (site_id, state, id),
  KEY ix_enrollment_tablet_time (tablet_id, submitted_at),
  CONSTRAINT fk_enrollment_site FOREIGN KEY (site_id) REFERENCES sites (id),
  CONSTRAINT fk_enrollment_tablet FOREIGN KEY (tablet_id) REFERENCES tablets (id)
) ENGINE=InnoDB;

-- ---------------------------------------------------------------- visits

CREATE TABLE visits (
  id               BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  site_id          BIGINT UNSIGNED NOT NULL,
  customer_id      BIGINT UNSIGNED NOT NULL,
  contract_id      BIGINT UNSIGNED NOT NULL,
  cell_id          BIGINT UNSIGNED NOT NULL,
  checked_in_at    DATETIME(6)  NOT NULL DEFAULT UTC_TIMESTAMP(6),
  checked_out_at   DATETIME(6)  NULL,
  verified_by      ENUM('fingerprint','staff_override') NOT NULL,
  override_reason  VARCHAR(500) NOT NULL DEFAULT '',
  -- The proof a verifier hands over (fingerd's match id), unique so one
  -- successful verification records one visit.
  verification_ref VARCHAR(64)  NULL,
  staff_user_id    BIGINT UNSIGNED NULL,    -- on duty at check-in
  checkout_staff_id BIGINT UNSIGNED NULL,
  -- At most one open visit per contract.
  open_contract_id BIGINT UNSIGNED AS (IF(checked_out_at IS NULL, contract_id, NULL)) STORED,
  UNIQUE KEY uq_visits_open (open_contract_id),
  UNIQUE KEY uq_visits_verification (verification_ref),
  KEY ix_visits_customer (customer_id, id),
  KEY ix_visits_cell (cell_id, id),
  KEY ix_visits_site_time (site_id, checked_in_at),
  CONSTRAINT fk_visits_site FOREIGN KEY (site_id) REFERENCES sites (id),
  CONSTRAINT fk_visits_customer FOREIGN KEY (customer_id) REFERENCES customers (id),
  CONSTRAINT fk_visits_contract FOREIGN KEY (contract_id) REFERENCES contracts (id),
  CONSTRAINT fk_visits_cell FOREIGN KEY (cell_id) REFERENCES cells (id),
  CONSTRAINT fk_visits_staff FOREIGN KEY (staff_user_id) REFERENCES staff_users (id)
) ENGINE=InnoDB;
