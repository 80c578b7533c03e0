-- Demo data for `make run`: three sites, one per module, with locker banks.
-- Loaded once: the runner checks meta.demo_loaded first, and this file
-- sets it in the same transaction.
START TRANSACTION;

INSERT INTO sites (name, address, time_zone, currency, languages, mod_vault, mod_storage, mod_mailroom) VALUES
  ('Central Vault', '1 Bank Street', 'Europe/Berlin', 'EUR', 'en,ru', 1, 0, 0),
  ('Airport Lockers', 'Terminal B, Arrivals', 'Europe/Moscow', 'RUB', 'ru,en', 0, 1, 0),
  ('HQ Mailroom', 'Head office, ground floor', 'Europe/London', 'GBP', 'en', 0, 0, 1);

-- Site ids go through variables: an INSERT ... SELECT FROM sites would clash
-- with the triggers that bump sites.inventory_version.
SET @vault = (SELECT id FROM sites WHERE name = 'Central Vault');
SET @airport = (SELECT id FROM sites WHERE name = 'Airport Lockers');
SET @hq = (SELECT id FROM sites WHERE name = 'HQ Mailroom');
INSERT INTO banks (site_id, name, location, columns) VALUES
  (@vault, 'Vault room A', 'Basement, room A', 6),
  (@airport, 'Hall B', 'Arrivals hall, near exit 3', 8),
  (@hq, 'Reception wall', 'Behind reception', 6);

-- Vault room A: 12 small, 8 medium, 4 large safe-deposit boxes.
INSERT INTO cells (bank_id, site_id, number, label, size_class, width_mm, height_mm, depth_mm, features)
  SELECT b.id, b.site_id, s.seq, CONCAT('A-', LPAD(s.seq, 2, '0')),
         CASE WHEN s.seq <= 12 THEN 'S' WHEN s.seq <= 20 THEN 'M' ELSE 'L' END,
         300, CASE WHEN s.seq <= 12 THEN 75 WHEN s.seq <= 20 THEN 150 ELSE 300 END, 500, ''
  FROM banks b JOIN seq_1_to_24 s WHERE b.name = 'Vault room A';

-- Hall B: 32 luggage cells, the top row with charging sockets.
INSERT INTO cells (bank_id, site_id, number, label, size_class, width_mm, height_mm, depth_mm, features)
  SELECT b.id, b.site_id, s.seq, CONCAT('B', LPAD(s.seq, 2, '0')),
         CASE WHEN s.seq <= 8 THEN 'S' WHEN s.seq <= 24 THEN 'M' ELSE 'XL' END,
         400, CASE WHEN s.seq <= 8 THEN 200 WHEN s.seq <= 24 THEN 400 ELSE 800 END, 600,
         IF(s.seq <= 8, 'charging', '')
  FROM banks b JOIN seq_1_to_32 s WHERE b.name = 'Hall B';

-- Reception wall: 18 parcel compartments, one refrigerated.
INSERT INTO cells (bank_id, site_id, number, label, size_class, width_mm, height_mm, depth_mm, features)
  SELECT b.id, b.site_id, s.seq, CONCAT('P', LPAD(s.seq, 2, '0')),
         CASE WHEN s.seq <= 9 THEN 'S' WHEN s.seq <= 15 THEN 'M' ELSE 'L' END,
         400, CASE WHEN s.seq <= 9 THEN 100 WHEN s.seq <= 15 THEN 250 ELSE 450 END, 500,
         IF(s.seq = 18, 'refrigerated', '')
  FROM banks b JOIN seq_1_to_18 s WHERE b.name = 'Reception wall';

UPDATE cells SET status = 'occupied' WHERE label IN ('A-02', 'A-05', 'A-13', 'B03', 'B10', 'P01');
UPDATE cells SET status = 'out_of_service', service_reason = 'Lock replaced, awaiting test',
       service_since = UTC_TIMESTAMP(6) WHERE label = 'B17';

-- Vault plans (minor units of EUR) and three customers.  No contracts
-- here: a contract's deposit and first rent go through the ledger.
INSERT INTO plans (site_id, size_class, period, price, deposit) VALUES
  (@vault, 'S', 'monthly', 3000, 5000), (@vault, 'M', 'monthly', 4500, 7500),
  (@vault, 'L', 'monthly', 7000, 10000), (@vault, 'XL', 'monthly', 11000, 15000),
  (@vault, 'S', 'yearly', 30000, 5000), (@vault, 'M', 'yearly', 45000, 7500),
  (@vault, 'L', 'yearly', 70000, 10000), (@vault, 'XL', 'yearly', 110000, 15000);
INSERT INTO customers (site_id, full_name, date_of_birth, doc_type, doc_number, doc_expiry, address, phone, email,
                       language, payment_preference) VALUES
  (@vault, 'Anna Schmidt', '1978-04-12', 'passport', 'C01X00T47', '2031-05-31', 'Lindenstraße 5, Berlin',
   '+49 30 1234567', 'anna.schmidt@example.com', 'en', 'monthly'),
  (@vault, 'Иван Петров', '1965-11-02', 'passport', '45 12 345678', '2030-01-15', 'Tverskaya 7, Moscow',
   '+7 495 123-45-67', '', 'ru', 'yearly'),
  (@vault, 'Claire O''Neill', '1990-07-23', 'national_id', 'IE-9876543', '2029-09-30', '',
   '', 'claire.oneill@example.com', 'en', 'monthly');

-- Lock-control boards, one bus per bank, each served by a simulator on a
-- pseudo-terminal under the state directory (relative device paths).
-- The vault's boards are Modbus relay boards with a timed pulse; the
-- airport and the mailroom use CU boards.
INSERT INTO board_buses (site_id, name, device, baud, protocol, poll_ms) VALUES
  (@vault, 'Vault room A bus', 'run/bus-vault-a.tty', 19200, 'modbus', 500),
  (@airport, 'Hall B bus', 'run/bus-hall-b.tty', 9600, 'cu', 300),
  (@hq, 'Reception bus', 'run/bus-reception.tty', 9600, 'cu', 500);
INSERT INTO boards (bus_id, address, channels, timed_pulse, pulse_ms)
  SELECT u.id, x.address, x.channels, 1, 500 FROM board_buses u JOIN (
    SELECT 'Vault room A bus' AS bus, 1 AS address, 16 AS channels UNION ALL
    SELECT 'Vault room A bus', 2, 8 UNION ALL
    SELECT 'Hall B bus', 1, 16 UNION ALL
    SELECT 'Hall B bus', 2, 16 UNION ALL
    SELECT 'Reception bus', 1, 48) x ON x.bus = u.name;
-- Cells in number order on consecutive channels, 16 to a board.
INSERT INTO cell_locks (cell_id, board_id, channel, has_sensor)
  SELECT c.id, b.id, IF(k.name = 'Reception wall', c.number, (c.number - 1) % 16 + 1), 1
  FROM cells c JOIN banks k ON k.id = c.bank_id
  JOIN board_buses u ON u.site_id = c.site_id
  JOIN boards b ON b.bus_id = u.id
   AND b.address = IF(k.name = 'Reception wall', 1, (c.number - 1) DIV 16 + 1);

INSERT INTO meta (name, value) VALUES ('demo_loaded', UTC_TIMESTAMP());
COMMIT;
