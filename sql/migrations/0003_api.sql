-- API idempotency for writes that post nothing to the ledger on their own
-- (a contract without a deposit): which API key used which
-- Idempotency-Key for what, so a retried or doubled request answers with
-- the object the first one made.  The row is inserted first, in the same
-- transaction as the object, so concurrent twins wait on the primary key
-- and the loser finds the winner's row.  Payments need no row here: the
-- ledger's own idempotency key does the job.

CREATE TABLE api_idempotency (
  key_id        BIGINT UNSIGNED NOT NULL,
  operation     VARCHAR(32)  NOT NULL,         -- contract.create
  idem_key      VARCHAR(128) NOT NULL,         -- the client's Idempotency-Key header
  request_hash  CHAR(64)     NOT NULL,         -- BLAKE2b-256 of the request's meaningful members
  object_id     BIGINT UNSIGNED NOT NULL DEFAULT 0,   -- set before commit
  created_at    DATETIME(6)  NOT NULL DEFAULT UTC_TIMESTAMP(6),
  PRIMARY KEY (key_id, operation, idem_key),
  CONSTRAINT fk_api_idempotency_key FOREIGN KEY (key_id) REFERENCES api_keys (id)
) ENGINE=InnoDB;
