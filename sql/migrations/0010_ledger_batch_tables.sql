-- ledger_post_batch reads its batch once.
--
-- The procedure of 0005 walked the batch's JSON with JSON_TABLE in six
-- statements, and four of them looked up each journal's standing with
-- JSON_VALUE(v_status, '$[i]'), which scans the array from its start:
-- quadratic in the batch.  A billing run of a million charges spent most
-- of its server time there.  This version parses the batch twice
-- (journals, then the new ones' lines) into two session-private MEMORY
-- tables and joins on those; the answer and every rule are those of 0005
-- (see its comment for the batch's shape and the statuses).
--
-- The standing of each journal is read with a plain consistent read, as
-- before: an INSERT ... SELECT or a multi-table UPDATE would take shared
-- next-key locks on the idempotency key's index at REPEATABLE READ, and
-- two concurrent postings would then deadlock inserting their keys.  The
-- read hands back only the journals that are not new (normally none), by
-- index, and those few are marked in the table afterwards.
--
-- Callers need CREATE TEMPORARY TABLES (sql/grants.sql): SQL SECURITY
-- INVOKER still runs every statement with the caller's own grants.
DROP PROCEDURE IF EXISTS ledger_post_batch;

CREATE PROCEDURE ledger_post_batch (IN p_site BIGINT UNSIGNED, IN p_posted_by VARCHAR(64), IN p_batch LONGTEXT)
  MODIFIES SQL DATA
  SQL SECURITY INVOKER
proc: BEGIN
  DECLARE v_currency CHAR(3);
  DECLARE v_today DATE;
  DECLARE v_refused LONGTEXT;
  DECLARE v_bad, v_new, v_receipts, v_invoices, v_codes, v_found INT DEFAULT 0;
  DECLARE v_receipt0, v_invoice0, v_audit_next BIGINT UNSIGNED;
  DECLARE v_audit_prev CHAR(64);
  DECLARE v_code VARCHAR(40);
  DECLARE v_kind VARCHAR(20);
  DECLARE v_customer BIGINT UNSIGNED;
  DECLARE v_done, v_created INT DEFAULT 0;
  -- The accounts a batch needs and the site does not have yet.
  DECLARE missing CURSOR FOR
    SELECT DISTINCT l.code, l.account, IF(l.account = 'customer', l.customer, NULL)
      FROM ledger_batch_lines l
     WHERE NOT EXISTS (SELECT 1 FROM ledger_accounts a WHERE a.site_id = p_site AND a.code = l.code);
  DECLARE CONTINUE HANDLER FOR NOT FOUND SET v_done = 1;

  SELECT currency, DATE(CONVERT_TZ(UTC_TIMESTAMP(), '+00:00', time_zone)) INTO v_currency, v_today
    FROM sites WHERE id = p_site;
  SET v_done = 0;
  IF v_currency IS NULL THEN
    SELECT 1 AS idx, 'not_found:site_id' AS status;
    LEAVE proc;
  END IF;

  -- The batch, parsed once: its journals (all 'new' until the next
  -- statement says otherwise) and, below, the lines of the new ones.
  -- Session-private, emptied on every call.
  CREATE TEMPORARY TABLE IF NOT EXISTS ledger_batch_journals (
    idx        INT UNSIGNED NOT NULL PRIMARY KEY,
    k          VARCHAR(128) NOT NULL,
    kind       VARCHAR(20)  NULL,
    customer   BIGINT UNSIGNED NOT NULL,
    contract   BIGINT UNSIGNED NOT NULL,
    amount     BIGINT NULL,
    method     VARCHAR(20)  NULL,
    reference  VARCHAR(120) NOT NULL,
    memo       VARCHAR(500) NOT NULL,
    value_date DATE NULL,
    series     VARCHAR(10)  NULL,
    reverses   BIGINT UNSIGNED NOT NULL,
    status     VARCHAR(40)  NOT NULL
  ) ENGINE=MEMORY;
  CREATE TEMPORARY TABLE IF NOT EXISTS ledger_batch_lines (
    idx        INT UNSIGNED NOT NULL,
    account    VARCHAR(20) NOT NULL,
    code       VARCHAR(40) NOT NULL,
    customer   BIGINT UNSIGNED NOT NULL,
    amount     BIGINT NOT NULL,
    account_id BIGINT UNSIGNED NULL,
    KEY (idx)
  ) ENGINE=MEMORY;
  DELETE FROM ledger_batch_journals;
  DELETE FROM ledger_batch_lines;
  INSERT INTO ledger_batch_journals (idx, k, kind, customer, contract, amount, method, reference, memo, value_date,
                                     series, reverses, status)
    SELECT t.idx, t.k, t.kind, t.customer, t.contract, t.amount, t.method, t.reference, t.memo, t.value_date, t.series,
           t.reverses, 'new'
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
             reverses BIGINT UNSIGNED PATH '$.reverses' DEFAULT '0' ON EMPTY)) t;

  -- Every journal's standing, in one consistent read: posted before,
  -- pointing at something of another site, or new.  v_refused names the
  -- ones that are not new, {"idx":"status",...}, or is NULL.
  SELECT CONCAT('{', GROUP_CONCAT(IF(status = 'new', NULL, CONCAT('"', idx, '":"', status, '"'))), '}'),
         SUM(status NOT IN ('new', 'replayed')), SUM(status = 'new'),
         SUM(status = 'new' AND series = 'receipt'), SUM(status = 'new' AND series = 'invoice')
    INTO v_refused, v_bad, v_new, v_receipts, v_invoices
    FROM (SELECT t.idx, t.series,
                 CASE WHEN j.id IS NOT NULL AND j.site_id <> p_site THEN 'conflict:idem_key'
                      WHEN j.id IS NOT NULL THEN 'replayed'
                      WHEN t.customer <> 0 AND (c.site_id IS NULL OR c.site_id <> p_site) THEN 'not_found:customer_id'
                      WHEN t.contract <> 0 AND (k.site_id IS NULL OR k.site_id <> p_site
                                                OR (t.customer <> 0 AND k.customer_id <> t.customer))
                        THEN 'not_found:contract_id'
                      ELSE 'new' END AS status
            FROM ledger_batch_journals t
            LEFT JOIN ledger_journals j ON j.idem_key = t.k
            LEFT JOIN customers c ON c.id = t.customer
            LEFT JOIN contracts k ON k.id = t.contract) s;
  IF v_refused IS NOT NULL THEN
    UPDATE ledger_batch_journals SET status = JSON_VALUE(v_refused, CONCAT('$."', idx, '"'))
     WHERE JSON_EXISTS(v_refused, CONCAT('$."', idx, '"'));
  END IF;

  IF v_bad = 0 AND v_new > 0 THEN
    INSERT INTO ledger_batch_lines (idx, account, code, customer, amount)
      SELECT l.idx, l.account, IF(l.account = 'customer', CONCAT('customer:', l.customer), l.account), l.customer,
             l.amount
        FROM JSON_TABLE(p_batch, '$[*]' COLUMNS (
               idx FOR ORDINALITY,
               customer BIGINT UNSIGNED PATH '$.customer' DEFAULT '0' ON EMPTY,
               NESTED PATH '$.lines[*]' COLUMNS (account VARCHAR(20) PATH '$[0]', amount BIGINT PATH '$[1]'))) l
        JOIN ledger_batch_journals j ON j.idx = l.idx AND j.status = 'new';

    -- Lock every account the new journals touch before the shared rows.
    -- Missing ones are created on first use, one row at a time (an INSERT
    -- ... SELECT would hold the table's auto-increment lock while waiting
    -- for a concurrent creator of the same account), then locked again.
    lock_accounts: LOOP
      SELECT COUNT(*), COUNT(a.id) INTO v_codes, v_found
        FROM (SELECT DISTINCT code FROM ledger_batch_lines) n
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
    -- The accounts are ours now: later statements join on their ids.
    UPDATE ledger_batch_lines l JOIN ledger_accounts a ON a.site_id = p_site AND a.code = l.code
       SET l.account_id = a.id;

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
        FROM ledger_batch_journals t
       WHERE t.status = 'new'
       ORDER BY t.idx;

    INSERT INTO ledger_entries (journal_id, account_id, amount)
      SELECT j.id, l.account_id, l.amount
        FROM ledger_batch_journals t
        JOIN ledger_journals j ON j.idem_key = t.k
        JOIN ledger_batch_lines l ON l.idx = t.idx
       WHERE t.status = 'new';

    UPDATE ledger_accounts a
      JOIN (SELECT account_id, SUM(amount) AS delta, COUNT(*) AS n FROM ledger_batch_lines GROUP BY account_id) d
        ON a.id = d.account_id
       SET a.balance = a.balance + d.delta, a.version = a.version + d.n;

    -- Last, the one row every audited write of the product queues on.
    SELECT last_id + 1, last_hash INTO v_audit_next, v_audit_prev FROM audit_head WHERE id = 1 FOR UPDATE;
  END IF;

  SELECT t.idx, t.status, j.id AS journal_id,
         COALESCE(j.doc_number, 0) AS doc_number, COALESCE(a.balance, 0) AS customer_balance,
         v_currency AS currency, v_audit_next AS audit_next_id, v_audit_prev AS audit_prev_hash,
         v_today IS NOT NULL AS zone_known
    FROM ledger_batch_journals t
    LEFT JOIN ledger_journals j ON j.idem_key = t.k
    LEFT JOIN ledger_accounts a ON a.site_id = p_site AND a.code = CONCAT('customer:', t.customer)
   ORDER BY t.idx;
END;
