-- The doors part of the locker grid (open doors, live alarms, whether the
-- site has locks at all) is cached under (site, doors_version) like the
-- grid body under inventory_version.  Triggers bump it on every change of
-- a door state, an alarm, the wiring or what the grid names a board by
-- (its bus's name, its address), whoever makes the change (boardd, the
-- back office), so no writer can forget and boardd needs no right to
-- write sites.  (Cell labels move the inventory version, which the
-- fragment's key holds as well.)  boardd writes only changes, so a quiet
-- site's version stays put and the grid is served from the cache.
ALTER TABLE sites ADD COLUMN doors_version BIGINT UNSIGNED NOT NULL DEFAULT 0 AFTER inventory_version;

CREATE TRIGGER trg_door_states_ins AFTER INSERT ON door_states FOR EACH ROW
  UPDATE sites SET doors_version = doors_version + 1 WHERE id = NEW.site_id;
CREATE TRIGGER trg_door_states_upd AFTER UPDATE ON door_states FOR EACH ROW
  UPDATE sites SET doors_version = doors_version + 1 WHERE id = NEW.site_id;
CREATE TRIGGER trg_door_alarms_ins AFTER INSERT ON door_alarms FOR EACH ROW
  UPDATE sites SET doors_version = doors_version + 1 WHERE id = NEW.site_id;
CREATE TRIGGER trg_door_alarms_upd AFTER UPDATE ON door_alarms FOR EACH ROW
  UPDATE sites SET doors_version = doors_version + 1 WHERE id = NEW.site_id;
CREATE TRIGGER trg_cell_locks_ins AFTER INSERT ON cell_locks FOR EACH ROW
  UPDATE sites SET doors_version = doors_version + 1 WHERE id = (SELECT site_id FROM cells WHERE id = NEW.cell_id);
CREATE TRIGGER trg_cell_locks_upd AFTER UPDATE ON cell_locks FOR EACH ROW
  UPDATE sites SET doors_version = doors_version + 1 WHERE id = (SELECT site_id FROM cells WHERE id = NEW.cell_id);
CREATE TRIGGER trg_cell_locks_del AFTER DELETE ON cell_locks FOR EACH ROW
  UPDATE sites SET doors_version = doors_version + 1 WHERE id = (SELECT site_id FROM cells WHERE id = OLD.cell_id);
-- Live alarms of a board show its bus's name and its address.  boardd
-- never writes board_buses; it does write every board's counters, so
-- that trigger bumps only for a new address.
CREATE TRIGGER trg_board_buses_upd AFTER UPDATE ON board_buses FOR EACH ROW
  UPDATE sites SET doors_version = doors_version + 1 WHERE id = NEW.site_id;
CREATE TRIGGER trg_boards_upd AFTER UPDATE ON boards FOR EACH ROW
  UPDATE sites SET doors_version = doors_version + 1
  WHERE NEW.address <> OLD.address AND id = (SELECT site_id FROM board_buses WHERE id = NEW.bus_id);
