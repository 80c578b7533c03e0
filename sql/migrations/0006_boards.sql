-- Lock-control boards (docs/boards.md): the RS-485 buses of a site, the
-- boards on them, which lock opens which cell, every open command with its
-- outcome, the doors' last known state and its changes, and alarms.
-- boardd (its own account) writes commands, states, events and alarms; the
-- back office configures buses, boards and wiring and acknowledges alarms.

CREATE TABLE board_buses (
  id                BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  site_id           BIGINT UNSIGNED NOT NULL,
  name              VARCHAR(64)  NOT NULL,
  -- A serial device.  A relative path is taken under the state directory
  -- (Paths.Var): that is where the board simulator puts its terminals.
  device            VARCHAR(255) NOT NULL,
  baud              INT UNSIGNED NOT NULL DEFAULT 9600,
  protocol          ENUM('cu','modbus') NOT NULL,
  poll_ms           INT UNSIGNED NOT NULL DEFAULT 500,    -- door-state polling interval
  reply_timeout_ms  INT UNSIGNED NOT NULL DEFAULT 100,
  retries           TINYINT UNSIGNED NOT NULL DEFAULT 2,
  open_confirm_ms   INT UNSIGNED NOT NULL DEFAULT 3000,   -- sensor must show the door open within
  door_open_alarm_s INT UNSIGNED NOT NULL DEFAULT 120,    -- a door open longer raises an alarm
  silent_after      TINYINT UNSIGNED NOT NULL DEFAULT 3,  -- unanswered polls before "board silent"
  enabled           TINYINT(1)   NOT NULL DEFAULT 1,
  created_at        DATETIME(6)  NOT NULL DEFAULT UTC_TIMESTAMP(6),
  updated_at        DATETIME(6)  NOT NULL DEFAULT UTC_TIMESTAMP(6),
  UNIQUE KEY uq_board_buses_site_name (site_id, name),
  CONSTRAINT fk_board_buses_site FOREIGN KEY (site_id) REFERENCES sites (id),
  CONSTRAINT ck_board_buses_baud CHECK (baud IN (1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200)),
  CONSTRAINT ck_board_buses_times CHECK (poll_ms BETWEEN 50 AND 60000 AND reply_timeout_ms BETWEEN 5 AND 5000
                                         AND retries <= 5 AND open_confirm_ms BETWEEN 100 AND 60000
                                         AND door_open_alarm_s BETWEEN 5 AND 86400 AND silent_after BETWEEN 1 AND 100)
) ENGINE=InnoDB;

CREATE TABLE boards (
  id              BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  bus_id          BIGINT UNSIGNED NOT NULL,
  address         TINYINT UNSIGNED NOT NULL,   -- CU 0..31, Modbus slave id 1..247
  channels        TINYINT UNSIGNED NOT NULL,   -- locks on the board, 1..48
  -- Modbus only: the board switches the relay off itself after pulse_ms
  -- (register 0x0100+ch); otherwise boardd switches the coil on and off.
  timed_pulse     TINYINT(1)   NOT NULL DEFAULT 1,
  pulse_ms        SMALLINT UNSIGNED NOT NULL DEFAULT 500,
  -- Written by boardd: what the board last said and how the line has gone.
  firmware        VARCHAR(64)  NOT NULL DEFAULT '',
  status          ENUM('unknown','ok','silent') NOT NULL DEFAULT 'unknown',
  last_answer_at  DATETIME(6)  NULL,
  last_error      VARCHAR(255) NOT NULL DEFAULT '',
  frames_ok       BIGINT UNSIGNED NOT NULL DEFAULT 0,
  timeouts        BIGINT UNSIGNED NOT NULL DEFAULT 0,
  bad_frames      BIGINT UNSIGNED NOT NULL DEFAULT 0,
  UNIQUE KEY uq_boards_bus_address (bus_id, address),
  CONSTRAINT fk_boards_bus FOREIGN KEY (bus_id) REFERENCES board_buses (id),
  CONSTRAINT ck_boards_channels CHECK (channels BETWEEN 1 AND 48 AND address <= 247 AND pulse_ms BETWEEN 100 AND 10000)
) ENGINE=InnoDB;

-- Which lock opens a cell.  A cell has at most one lock; a lock opens one cell.
CREATE TABLE cell_locks (
  cell_id     BIGINT UNSIGNED NOT NULL PRIMARY KEY,
  board_id    BIGINT UNSIGNED NOT NULL,
  channel     TINYINT UNSIGNED NOT NULL,   -- 1-based lock number on the board
  has_sensor  TINYINT(1) NOT NULL DEFAULT 1,  -- a door sensor: "opened" can be confirmed
  UNIQUE KEY uq_cell_locks_board_channel (board_id, channel),
  CONSTRAINT fk_cell_locks_cell FOREIGN KEY (cell_id) REFERENCES cells (id),
  CONSTRAINT fk_cell_locks_board FOREIGN KEY (board_id) REFERENCES boards (id),
  CONSTRAINT ck_cell_locks_channel CHECK (channel BETWEEN 1 AND 48)
) ENGINE=InnoDB;

-- Every open command, written 'queued' before it is accepted and 'firing'
-- before its frame goes out, so a crash leaves 'unknown' (never re-fired).
CREATE TABLE door_commands (
  id           BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  command_id   VARCHAR(64)  NOT NULL,
  site_id      BIGINT UNSIGNED NOT NULL,
  cell_id      BIGINT UNSIGNED NOT NULL,
  actor        VARCHAR(64)  NOT NULL,
  reason       VARCHAR(255) NOT NULL,
  state        ENUM('queued','firing','opened','jammed','no_answer','expired','unknown','refused','acknowledged')
               NOT NULL DEFAULT 'queued',
  detail       VARCHAR(255) NOT NULL DEFAULT '',
  created_at   DATETIME(6)  NOT NULL DEFAULT UTC_TIMESTAMP(6),
  expires_at   DATETIME(6)  NOT NULL,
  fired_at     DATETIME(6)  NULL,
  finished_at  DATETIME(6)  NULL,
  UNIQUE KEY uq_door_commands_command (command_id),
  KEY ix_door_commands_cell (cell_id, id),
  KEY ix_door_commands_site (site_id, id),
  KEY ix_door_commands_state (state),
  CONSTRAINT fk_door_commands_cell FOREIGN KEY (cell_id) REFERENCES cells (id)
) ENGINE=InnoDB;

-- The last known state of each wired door, one row per cell.
CREATE TABLE door_states (
  cell_id     BIGINT UNSIGNED NOT NULL PRIMARY KEY,
  site_id     BIGINT UNSIGNED NOT NULL,
  door        ENUM('open','closed','unknown') NOT NULL DEFAULT 'unknown',
  occupied    TINYINT(1)   NULL,              -- NULL: no occupancy sensor
  changed_at  DATETIME(6)  NOT NULL DEFAULT UTC_TIMESTAMP(6),
  KEY ix_door_states_site (site_id),
  CONSTRAINT fk_door_states_cell FOREIGN KEY (cell_id) REFERENCES cells (id)
) ENGINE=InnoDB;

-- Changes only, not every poll.
CREATE TABLE door_events (
  id          BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  site_id     BIGINT UNSIGNED NOT NULL,
  cell_id     BIGINT UNSIGNED NOT NULL,
  door        ENUM('open','closed','unknown') NOT NULL,
  occupied    TINYINT(1)   NULL,
  command_id  BIGINT UNSIGNED NULL,           -- door_commands.id that opened it, if any
  at          DATETIME(6)  NOT NULL DEFAULT UTC_TIMESTAMP(6),
  KEY ix_door_events_cell (cell_id, id),
  KEY ix_door_events_site (site_id, id),
  CONSTRAINT fk_door_events_cell FOREIGN KEY (cell_id) REFERENCES cells (id)
) ENGINE=InnoDB;

-- An alarm is raised by boardd, cleared by boardd when its condition ends
-- (door shut, board answering again) and acknowledged by staff with a note.
-- While one is not cleared, no second one of the same kind is raised for
-- the same door or board: active_key is unique only among those.
CREATE TABLE door_alarms (
  id          BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  site_id     BIGINT UNSIGNED NOT NULL,
  kind        ENUM('door_left_open','door_forced','board_silent','jam') NOT NULL,
  cell_id     BIGINT UNSIGNED NULL,
  board_id    BIGINT UNSIGNED NULL,
  detail      VARCHAR(255) NOT NULL DEFAULT '',
  raised_at   DATETIME(6)  NOT NULL DEFAULT UTC_TIMESTAMP(6),
  cleared_at  DATETIME(6)  NULL,
  acked_at    DATETIME(6)  NULL,
  acked_by    VARCHAR(64)  NULL,
  ack_note    VARCHAR(500) NULL,
  active_key  VARCHAR(80) AS (IF(cleared_at IS NULL,
                                 CONCAT(kind, ':', IFNULL(cell_id, 0), ':', IFNULL(board_id, 0)), NULL)) PERSISTENT,
  UNIQUE KEY uq_door_alarms_active (active_key),
  KEY ix_door_alarms_site (site_id, acked_at, id),
  KEY ix_door_alarms_unacked (acked_at),
  CONSTRAINT fk_door_alarms_cell FOREIGN KEY (cell_id) REFERENCES cells (id),
  CONSTRAINT fk_door_alarms_board FOREIGN KEY (board_id) REFERENCES boards (id)
) ENGINE=InnoDB;
