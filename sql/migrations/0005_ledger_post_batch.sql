-- Postings in one round trip, one journal or many.
--
-- lib/ledger used to send about ten statements per journal.  On two cores
-- each statement, round trip or not, costs the server tens of microseconds
-- of parsing-free but still per-statement work, and the rows every posting
-- of a site shares (document counter, system accounts, the audit chain
-- head) stayed locked across several trips.  ledger_post_batch posts a
-- whole batch with a fixed number of set-based statements: a batch of one
-- is the interactive posting, a batch of hundreds is the billing run.
-- SQL SECURITY INVOKER: it runs with the caller's own grants, so program
-- accounts still cannot UPDATE or DELETE a journal or an entry.
--
-- p_batch is a JSON array of journals as lib/ledger checked them
-- (ledger_check runs in C first; the keys and checks here are the
-- database's own last word), all of site p_site:
--   {"key":..., "kind":..., "customer":N, "contract":N, "amount":N,
--    "method":..., "reference":..., "memo":..., "value_date":"YYYY-MM-DD",
--    "series":"receipt"|"invoice", "reverses":N,
--    "lines":[["customer",-500],["cash",500]]}
-- method, value_date and series may be left out (value_date then means
-- today in the site's time zone).  A line's account is "customer" (that
-- journal's customer) or a system account code.
--
-- Answers one row per journal, in order: idx (1-based), status, journal_id,
-- doc_number, customer_balance, currency, audit_next_id, audit_prev_hash,
-- zone_known.  status is
--   'ok'          posted now
--   'replayed'    its key was posted before: that journal, nothing written
--   'not_found:<field>' or 'conflict:<field>'
-- If any journal is not_found or conflict, nothing at all is written.
-- After a batch with 'ok' rows the audit chain head stays locked by this
-- transaction; audit_next_id and audit_prev_hash are where the caller's
-- audit rows continue the chain.
--
-- A concurrent twin with the same key, or a second reversal of a journal,
-- surfaces as a duplicate-key error (uq_ledger_journals_key,
-- uq_ledger_journals_reverses): the caller rolls back and tries again.
CREATE PROCEDURE ledger_post_batch (IN p_site BIGINT UNSIGNED, IN p_posted_by VARCHAR(64), IN p_batch LONGTEXT)
  MODIFIES SQL DATA
  SQL SECURITY INVOKER
proc: BEGIN
  DECLARE v_currency CHAR(3);
  DECLARE v_today DATE;
  DECLARE v_status LONGTEXT;
  DECLARE v_bad, v_new, v_receipts, v_invoices, v_codes, v_found INT DEFAULT 0;
  DECLARE v_receipt0, v_invoice0, v_first, v_audit_next BIGINT UNSIGNED;
  DECLARE v_audit_prev CHAR(64);
  DECLARE v_code VARCHAR(40);
  DECLARE v_kind VARCHAR(20);
  DECLARE v_customer BIGINT UNSIGNED;
  DECLARE v_done, v_created INT DEFAULT 0;
  -- The accounts a batch needs and the site does not have yet.
  DECLARE missing CURSOR FOR
    SELECT DISTINCT IF(l.account = 'customer', CONCAT('customer:', l.customer), l.account), l.account,
           IF(l.account = 'customer', l.customer, NULL)
      FROM JSON_TABLE(p_batch, '$[*]' COLUMNS (
             customer BIGINT UNSIGNED PATH '$.customer' DEFAULT '0' ON EMPTY,
             NESTED PATH '$.lines[*]' COLUMNS (account VARCHAR(20) PATH '$[0]'))) l
     WHERE NOT EXISTS (SELECT 1 FROM ledger_accounts a WHERE a.site_id = p_site
                         AND a.code = IF(l.account = 'customer', CONCAT('customer:', l.customer), l.account));
  DECLARE CONTINUE HANDLER FOR NOT FOUND SET v_done = 1;

  SELECT currency, DATE(CONVERT_TZ(UTC_TIMESTAMP(), '+00:00', time_zone)) INTO v_currency, v_today
    FROM sites WHERE id = p_site;
  SET v_done = 0;
  IF v_currency IS NULL THEN
    SELECT 1 AS idx, 'not_found:site_id' AS status;
    LEAVE proc;
  END IF;

  -- Every journal's standing, in one read: posted before, pointing at
  -- something of another site, or new; and how many new ones take a number.
  SELECT JSON_ARRAYAGG(status ORDER BY idx), SUM(status NOT IN ('new', 'replayed')), SUM(status = 'new'),
         SUM(status = 'new' AND series = 'receipt'), SUM(status = 'new' AND series = 'invoice')
    INTO v_status, v_bad, v_new, v_receipts, v_invoices
    FROM (SELECT t.idx, t.series,
                 CASE WHEN j.id IS NOT NULL AND j.site_id <> p_site THEN 'conflict:idem_key'
                      WHEN j.id IS NOT NULL THEN 'replayed'
                      WHEN t.customer <> 0 AND (c.site_id IS NULL OR c.site_id <> p_site) THEN 'not_found:customer_id'
                      WHEN t.contract <> 0 AND (k.site_id IS NULL OR k.site_id <> p_site
                                                OR (t.customer <> 0 AND k.customer_id <> t.customer))
                        THEN 'not_found:contract_id'
                      ELSE 'new' END AS status
            FROM JSON_TABLE(p_batch, '$[*]' COLUMNS (
                   idx FOR ORDINALITY,
                   k VARCHAR(128) PATH '$.key',
                   customer BIGINT UNSIGNED PATH '$.customer' DEFAULT '0' ON EMPTY,
                   contract BIGINT UNSIGNED PATH '$.contract' DEFAULT '0' ON EMPTY,
                   series VARCHAR(10) PATH '$.series')) t
            LEFT JOIN ledger_journals j ON j.idem_key = t.k
            LEFT JOIN customers c ON c.id = t.customer
            LEFT JOIN contracts k ON k.id = t.contract) s;

  IF v_bad = 0 AND v_new > 0 THEN
    -- Lock every account the new journals touch before the shared rows.
    -- Missing ones are created on first use, one row at a time (an INSERT
    -- ... SELECT would hold the table's auto-increment lock while waiting
    -- for a concurrent creator of the same account), then locked again.
    lock_accounts: LOOP
      SELECT COUNT(*), COUNT(a.id) INTO v_codes, v_found
        FROM (SELECT DISTINCT IF(l.account = 'customer', CONCAT('customer:', l.customer), l.account) AS code
                FROM JSON_TABLE(p_batch, '$[*]' COLUMNS (
                       idx FOR ORDINALITY,
                       customer BIGINT UNSIGNED PATH '$.customer' DEFAULT '0' ON EMPTY,
                       NESTED PATH '$.lines[*]' COLUMNS (account VARCHAR(20) PATH '$[0]'))) l
               WHERE JSON_VALUE(v_status, CONCAT('$[', l.idx - 1, ']')) = 'new') n
        LEFT JOIN ledger_accounts a ON a.site_id = p_site AND a.code = n.code
         FOR UPDATE;
      IF v_found = v_codes THEN
        LEAVE lock_accounts;
      END IF;
      IF v_created THEN
        SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'ledger_post_batch: an account could not be created';
      END IF;
      SET v_created = 1, v_done = 0;
      OPEN missing;
      create_accounts: LOOP
        FETCH missing INTO v_code, v_kind, v_customer;
        IF v_done THEN
          LEAVE create_accounts;
        END IF;
        INSERT IGNORE INTO ledger_accounts (site_id, code, kind, customer_id, currency)
          VALUES (p_site, v_code, v_kind, v_customer, v_currency);
      END LOOP;
      CLOSE missing;
    END LOOP;

    -- Gap-free document numbers: the counter row stays locked until
    -- commit and a rollback gives the numbers back.
    IF v_receipts > 0 THEN
      INSERT INTO doc_counters (site_id, series, next_no) VALUES (p_site, 'receipt', LAST_INSERT_ID(1 + v_receipts))
        ON DUPLICATE KEY UPDATE next_no = LAST_INSERT_ID(next_no + v_receipts);
      SET v_receipt0 = LAST_INSERT_ID() - v_receipts;
    END IF;
    IF v_invoices > 0 THEN
      INSERT INTO doc_counters (site_id, series, next_no) VALUES (p_site, 'invoice', LAST_INSERT_ID(1 + v_invoices))
        ON DUPLICATE KEY UPDATE next_no = LAST_INSERT_ID(next_no + v_invoices);
      SET v_invoice0 = LAST_INSERT_ID() - v_invoices;
    END IF;

    INSERT INTO ledger_journals (site_id, idem_key, kind, customer_id, contract_id, currency, amount, method,
                                 reference, memo, value_date, doc_series, doc_number, reverses_id, posted_by)
      SELECT p_site, t.k, t.kind, NULLIF(t.customer, 0), NULLIF(t.contract, 0), v_currency, t.amount, t.method,
             t.reference, t.memo, COALESCE(t.value_date, v_today, UTC_DATE()), t.series,
             CASE t.series WHEN 'receipt' THEN v_receipt0 WHEN 'invoice' THEN v_invoice0 END
               + ROW_NUMBER() OVER (PARTITION BY t.series ORDER BY t.idx) - 1,
             NULLIF(t.reverses, 0), p_posted_by
        FROM JSON_TABLE(p_batch, '$[*]' COLUMNS (
               idx FOR ORDINALITY,
               k VARCHAR(128) PATH '$.key',
               kind VARCHAR(20) PATH '$.kind',
               customer BIGINT UNSIGNED PATH '$.customer' DEFAULT '0' ON EMPTY,
               contract BIGINT UNSIGNED PATH '$.contract' DEFAULT '0' ON EMPTY,
               amount BIGINT PATH '$.amount',
               method VARCHAR(20) PATH '$.method',
               reference VARCHAR(120) PATH '$.reference' DEFAULT '' ON EMPTY,
               memo VARCHAR(500) PATH '$.memo' DEFAULT '' ON EMPTY,
               value_date DATE PATH '$.value_date',
               series VARCHAR(10) PATH '$.series',
               reverses BIGINT UNSIGNED PATH '$.reverses' DEFAULT '0' ON EMPTY)) t
       WHERE JSON_VALUE(v_status, CONCAT('$[', t.idx - 1, ']')) = 'new'
       ORDER BY t.idx;
    -- Journals posted before this statement all have smaller ids.
    SET v_first = LAST_INSERT_ID();

    INSERT INTO ledger_entries (journal_id, account_id, amount)
      SELECT j.id, a.id, l.amount
        FROM JSON_TABLE(p_batch, '$[*]' COLUMNS (
               k VARCHAR(128) PATH '$.key',
               customer BIGINT UNSIGNED PATH '$.customer' DEFAULT '0' ON EMPTY,
               NESTED PATH '$.lines[*]' COLUMNS (account VARCHAR(20) PATH '$[0]', amount BIGINT PATH '$[1]'))) l
        JOIN ledger_journals j ON j.idem_key = l.k AND j.id >= v_first
        JOIN ledger_accounts a
          ON a.site_id = p_site AND a.code = IF(l.account = 'customer', CONCAT('customer:', l.customer), l.account);

    UPDATE ledger_accounts a
      JOIN (SELECT IF(l.account = 'customer', CONCAT('customer:', l.customer), l.account) AS code,
                   SUM(l.amount) AS delta, COUNT(*) AS n
              FROM JSON_TABLE(p_batch, '$[*]' COLUMNS (
                     idx FOR ORDINALITY,
                     customer BIGINT UNSIGNED PATH '$.customer' DEFAULT '0' ON EMPTY,
                     NESTED PATH '$.lines[*]' COLUMNS (account VARCHAR(20) PATH '$[0]', amount BIGINT PATH '$[1]'))) l
             WHERE JSON_VALUE(v_status, CONCAT('$[', l.idx - 1, ']')) = 'new'
             GROUP BY 1) d
        ON a.site_id = p_site AND a.code = d.code
       SET a.balance = a.balance + d.delta, a.version = a.version + d.n;

    -- Last, the one row every audited write of the product queues on.
    SELECT last_id + 1, last_hash INTO v_audit_next, v_audit_prev FROM audit_head WHERE id = 1 FOR UPDATE;
  END IF;

  SELECT t.idx, JSON_VALUE(v_status, CONCAT('$[', t.idx - 1, ']')) AS status, j.id AS journal_id,
         COALESCE(j.doc_number, 0) AS doc_number, COALESCE(a.balance, 0) AS customer_balance,
         v_currency AS currency, v_audit_next AS audit_next_id, v_audit_prev AS audit_prev_hash,
         v_today IS NOT NULL AS zone_known
    FROM JSON_TABLE(p_batch, '$[*]' COLUMNS (
           idx FOR ORDINALITY,
           k VARCHAR(128) PATH '$.key',
           customer BIGINT UNSIGNED PATH '$.customer' DEFAULT '0' ON EMPTY)) t
    LEFT JOIN ledger_journals j ON j.idem_key = t.k
    LEFT JOIN ledger_accounts a ON a.site_id = p_site AND a.code = CONCAT('customer:', t.customer)
   ORDER BY t.idx;
END;

-- The chain head moves with the row that extends it, in the same
-- statement, and a row that does not extend the head is refused: programs
-- need no UPDATE on audit_head, and no program can fork the chain.
CREATE TRIGGER trg_audit_log_chain BEFORE INSERT ON audit_log FOR EACH ROW
BEGIN
  DECLARE v_last BIGINT UNSIGNED;
  DECLARE v_hash CHAR(64);
  SELECT last_id, last_hash INTO v_last, v_hash FROM audit_head WHERE id = 1 FOR UPDATE;
  IF NEW.id <> v_last + 1 OR NEW.prev_hash <> v_hash THEN
    SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'audit row does not extend the chain head';
  END IF;
  UPDATE audit_head SET last_id = NEW.id, last_hash = NEW.hash WHERE id = 1;
END;
