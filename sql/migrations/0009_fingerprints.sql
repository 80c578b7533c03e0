-- Fingerprints (docs/fingerd.md): enrolled templates, every verification
-- attempt, and the lock-out after repeated failures.

-- One row per customer and finger; re-enrolling a finger replaces it.
-- template is a secret box under the site key (nonce || mac || ciphertext)
-- sealed inside fingerd, binding site, customer and finger to the
-- serialized libfprint print; no image is kept anywhere.  Rows are
-- deleted outright when a contract closes or biometric consent is
-- withdrawn (special-category data: nothing is kept "just in case").
CREATE TABLE fingerprint_templates (
  id            BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  site_id       BIGINT UNSIGNED NOT NULL,
  customer_id   BIGINT UNSIGNED NOT NULL,
  finger        ENUM('right-thumb','right-index','right-middle','right-ring','right-little',
                     'left-thumb','left-index','left-middle','left-ring','left-little') NOT NULL,
  driver        VARCHAR(64)  NOT NULL,
  device_id     VARCHAR(128) NOT NULL DEFAULT '',
  template      MEDIUMBLOB   NOT NULL,
  enrolled_at   DATETIME(6)  NOT NULL DEFAULT UTC_TIMESTAMP(6),
  enrolled_by   BIGINT UNSIGNED NULL,
  UNIQUE KEY uq_fingerprints_customer_finger (customer_id, finger),
  KEY ix_fingerprints_site (site_id, id),
  CONSTRAINT fk_fingerprints_site FOREIGN KEY (site_id) REFERENCES sites (id),
  CONSTRAINT fk_fingerprints_customer FOREIGN KEY (customer_id) REFERENCES customers (id),
  CONSTRAINT fk_fingerprints_staff FOREIGN KEY (enrolled_by) REFERENCES staff_users (id)
) ENGINE=InnoDB;

-- Every verification the back office asked for and what came of it.
-- customer_id is the customer staff picked (verify) or the one matched
-- (identify); NULL for an identify that matched nobody.  Failures of a
-- verify count towards the customer's lock-out.
CREATE TABLE fingerprint_attempts (
  id            BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  site_id       BIGINT UNSIGNED NOT NULL,
  customer_id   BIGINT UNSIGNED NULL,
  kind          ENUM('verify','identify') NOT NULL,
  result        ENUM('match','no_match','error') NOT NULL,
  detail        VARCHAR(64)  NOT NULL DEFAULT '',
  match_id      VARCHAR(64)  NULL,
  staff_user_id BIGINT UNSIGNED NULL,
  attempted_at  DATETIME(6)  NOT NULL DEFAULT UTC_TIMESTAMP(6),
  KEY ix_fp_attempts_customer (customer_id, attempted_at),
  KEY ix_fp_attempts_site (site_id, attempted_at),
  CONSTRAINT fk_fp_attempts_site FOREIGN KEY (site_id) REFERENCES sites (id),
  CONSTRAINT fk_fp_attempts_customer FOREIGN KEY (customer_id) REFERENCES customers (id)
) ENGINE=InnoDB;

-- Per-site lock-out policy: fp_max_failures failed verifies of one
-- customer within fp_lockout_minutes lock that customer out of
-- fingerprint verification until fp_lockout_minutes after the last
-- failure; staff are alerted.  Only a staff override (a reason and a
-- second staff member's approval) lets the customer in meanwhile.
ALTER TABLE sites
  ADD COLUMN fp_max_failures    TINYINT UNSIGNED  NOT NULL DEFAULT 5,
  ADD COLUMN fp_lockout_minutes SMALLINT UNSIGNED NOT NULL DEFAULT 15;

-- Who approved a staff override (the second role), beside who asked.
ALTER TABLE visits
  ADD COLUMN override_approved_by BIGINT UNSIGNED NULL AFTER override_reason,
  ADD CONSTRAINT fk_visits_override_approver FOREIGN KEY (override_approved_by) REFERENCES staff_users (id);
