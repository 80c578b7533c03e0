-- Core schema: sites, locker inventory, staff, sessions, API keys, audit.
-- Times are UTC (DATETIME(6)); every program sets time_zone '+00:00'.

CREATE TABLE meta (
  name  VARCHAR(64)  NOT NULL PRIMARY KEY,
  value VARCHAR(255) NOT NULL
) ENGINE=InnoDB;

CREATE TABLE sites (
  id            BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  name          VARCHAR(120) NOT NULL,
  address       VARCHAR(255) NOT NULL DEFAULT '',
  time_zone     VARCHAR(64)  NOT NULL,
  currency      CHAR(3)      NOT NULL,
  languages     VARCHAR(64)  NOT NULL DEFAULT 'en',
  mod_vault     TINYINT(1)   NOT NULL DEFAULT 0,
  mod_storage   TINYINT(1)   NOT NULL DEFAULT 0,
  mod_mailroom  TINYINT(1)   NOT NULL DEFAULT 0,
  -- Bumped by triggers on every change to the site's banks and cells, so a
  -- rendered locker grid can be cached under (site, version).
  inventory_version BIGINT UNSIGNED NOT NULL DEFAULT 0,
  created_at    DATETIME(6)  NOT NULL DEFAULT UTC_TIMESTAMP(6),
  updated_at    DATETIME(6)  NOT NULL DEFAULT UTC_TIMESTAMP(6),
  UNIQUE KEY uq_sites_name (name)
) ENGINE=InnoDB;

CREATE TABLE banks (
  id          BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  site_id     BIGINT UNSIGNED NOT NULL,
  name        VARCHAR(120) NOT NULL,
  location    VARCHAR(255) NOT NULL DEFAULT '',
  columns     SMALLINT UNSIGNED NOT NULL DEFAULT 6,
  created_at  DATETIME(6)  NOT NULL DEFAULT UTC_TIMESTAMP(6),
  UNIQUE KEY uq_banks_site_name (site_id, name),
  CONSTRAINT fk_banks_site FOREIGN KEY (site_id) REFERENCES sites (id)
) ENGINE=InnoDB;

CREATE TABLE cells (
  id              BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  bank_id         BIGINT UNSIGNED NOT NULL,
  site_id         BIGINT UNSIGNED NOT NULL,  -- copied from the bank: scoping and the grid need no join
  number          SMALLINT UNSIGNED NOT NULL, -- position in the bank, 1..N
  label           VARCHAR(32)  NOT NULL,
  size_class      ENUM('S','M','L','XL') NOT NULL,
  width_mm        SMALLINT UNSIGNED NOT NULL,
  height_mm       SMALLINT UNSIGNED NOT NULL,
  depth_mm        SMALLINT UNSIGNED NOT NULL,
  features        SET('charging','refrigerated','heated','accessible') NOT NULL DEFAULT '',
  status          ENUM('free','occupied','reserved','out_of_service') NOT NULL DEFAULT 'free',
  service_reason  VARCHAR(255) NULL,
  service_since   DATETIME(6)  NULL,
  updated_at      DATETIME(6)  NOT NULL DEFAULT UTC_TIMESTAMP(6),
  UNIQUE KEY uq_cells_bank_number (bank_id, number),
  UNIQUE KEY uq_cells_bank_label (bank_id, label),
  KEY ix_cells_site (site_id, bank_id, number),
  KEY ix_cells_site_status (site_id, status),
  CONSTRAINT fk_cells_bank FOREIGN KEY (bank_id) REFERENCES banks (id),
  CONSTRAINT fk_cells_site FOREIGN KEY (site_id) REFERENCES sites (id)
) ENGINE=InnoDB;

-- Triggers rather than application code keep the version honest: every
-- writer, present or future, bumps it in the same transaction.
CREATE TRIGGER trg_banks_ins AFTER INSERT ON banks FOR EACH ROW
  UPDATE sites SET inventory_version = inventory_version + 1 WHERE id = NEW.site_id;
CREATE TRIGGER trg_banks_upd AFTER UPDATE ON banks FOR EACH ROW
  UPDATE sites SET inventory_version = inventory_version + 1 WHERE id = NEW.site_id;
CREATE TRIGGER trg_cells_ins AFTER INSERT ON cells FOR EACH ROW
  UPDATE sites SET inventory_version = inventory_version + 1 WHERE id = NEW.site_id;
CREATE TRIGGER trg_cells_upd AFTER UPDATE ON cells FOR EACH ROW
  UPDATE sites SET inventory_version = inventory_version + 1 WHERE id = NEW.site_id;

CREATE TABLE staff_users (
  id             BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  username       VARCHAR(64)  NOT NULL,
  display_name   VARCHAR(120) NOT NULL DEFAULT '',
  password_hash  VARCHAR(128) NOT NULL,
  role           ENUM('admin','operator','cashier','mailroom_clerk','auditor') NOT NULL,
  all_sites      TINYINT(1)   NOT NULL DEFAULT 0,
  active         TINYINT(1)   NOT NULL DEFAULT 1,
  created_at     DATETIME(6)  NOT NULL DEFAULT UTC_TIMESTAMP(6),
  last_login_at  DATETIME(6)  NULL,
  UNIQUE KEY uq_staff_username (username)
) ENGINE=InnoDB;

CREATE TABLE staff_user_sites (
  user_id  BIGINT UNSIGNED NOT NULL,
  site_id  BIGINT UNSIGNED NOT NULL,
  PRIMARY KEY (user_id, site_id),
  CONSTRAINT fk_sus_user FOREIGN KEY (user_id) REFERENCES staff_users (id),
  CONSTRAINT fk_sus_site FOREIGN KEY (site_id) REFERENCES sites (id)
) ENGINE=InnoDB;

-- Only a hash of the session token is stored: a leaked table opens no session.
CREATE TABLE sessions (
  id            BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  token_hash    CHAR(64)     NOT NULL,
  user_id       BIGINT UNSIGNED NOT NULL,
  created_at    DATETIME(6)  NOT NULL DEFAULT UTC_TIMESTAMP(6),
  last_seen_at  DATETIME(6)  NOT NULL DEFAULT UTC_TIMESTAMP(6),
  expires_at    DATETIME(6)  NOT NULL,
  ip            VARCHAR(64)  NOT NULL DEFAULT '',
  user_agent    VARCHAR(255) NOT NULL DEFAULT '',
  UNIQUE KEY uq_sessions_token (token_hash),
  KEY ix_sessions_user (user_id),
  CONSTRAINT fk_sessions_user FOREIGN KEY (user_id) REFERENCES staff_users (id)
) ENGINE=InnoDB;

-- Failed log-ins per user name ('u:<name>') and per address ('ip:<addr>'),
-- kept in the database so a restart does not reset the count.
CREATE TABLE login_throttle (
  subject       VARCHAR(200) NOT NULL PRIMARY KEY,
  failures      INT UNSIGNED NOT NULL DEFAULT 0,
  window_start  DATETIME(6)  NOT NULL,
  locked_until  DATETIME(6)  NULL
) ENGINE=InnoDB;

CREATE TABLE api_keys (
  id            BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  name          VARCHAR(120) NOT NULL,
  prefix        CHAR(8)      NOT NULL,   -- shown in lists so a key can be recognised
  key_hash      CHAR(64)     NOT NULL,
  all_sites     TINYINT(1)   NOT NULL DEFAULT 0,
  can_write     TINYINT(1)   NOT NULL DEFAULT 0,
  created_by    BIGINT UNSIGNED NULL,
  created_at    DATETIME(6)  NOT NULL DEFAULT UTC_TIMESTAMP(6),
  last_used_at  DATETIME(6)  NULL,
  revoked_at    DATETIME(6)  NULL,
  UNIQUE KEY uq_api_keys_hash (key_hash),
  CONSTRAINT fk_api_keys_creator FOREIGN KEY (created_by) REFERENCES staff_users (id)
) ENGINE=InnoDB;

CREATE TABLE api_key_sites (
  key_id   BIGINT UNSIGNED NOT NULL,
  site_id  BIGINT UNSIGNED NOT NULL,
  PRIMARY KEY (key_id, site_id),
  CONSTRAINT fk_aks_key FOREIGN KEY (key_id) REFERENCES api_keys (id),
  CONSTRAINT fk_aks_site FOREIGN KEY (site_id) REFERENCES sites (id)
) ENGINE=InnoDB;

-- Append-only: no program account has UPDATE or DELETE here (grants.sql).
-- Each row carries the BLAKE2b hash of the previous row's hash and its own
-- fields; `strongroomctl verify` walks the chain.
CREATE TABLE audit_log (
  id           BIGINT UNSIGNED NOT NULL PRIMARY KEY,
  at           DATETIME(6)  NOT NULL,
  actor_type   VARCHAR(16)  NOT NULL,
  actor_id     BIGINT UNSIGNED NULL,
  actor_name   VARCHAR(64)  NOT NULL DEFAULT '',
  ip           VARCHAR(64)  NOT NULL DEFAULT '',
  action       VARCHAR(64)  NOT NULL,
  object_type  VARCHAR(32)  NOT NULL DEFAULT '',
  object_id    BIGINT UNSIGNED NULL,
  site_id      BIGINT UNSIGNED NULL,
  detail       TEXT         NOT NULL,
  prev_hash    CHAR(64)     NOT NULL,
  hash         CHAR(64)     NOT NULL,
  KEY ix_audit_at (at),
  KEY ix_audit_action (action, id),
  KEY ix_audit_object (object_type, object_id),
  KEY ix_audit_site (site_id, id),
  KEY ix_audit_actor (actor_name, id)
) ENGINE=InnoDB;

-- The head of the chain, locked FOR UPDATE by every writer so rows are
-- appended one at a time in id order.
CREATE TABLE audit_head (
  id         TINYINT UNSIGNED NOT NULL PRIMARY KEY,
  last_id    BIGINT UNSIGNED NOT NULL,
  last_hash  CHAR(64) NOT NULL
) ENGINE=InnoDB;
INSERT INTO audit_head (id, last_id, last_hash) VALUES (1, 0, REPEAT('0', 64));
