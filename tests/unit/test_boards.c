/* Unit tests for the pure parts of lib/boards.c: bus and board settings
 * against the CHECK constraints of 0006_boards.sql, the wiring plan of a
 * bank, reasons and notes, and the back office's command ids. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <string.h>
#include "boards.h"
#include "secret.h"

/* The bus, changed by one setting, must be refused on that field with that code. */
#define BUS_BAD(member, value, field_, code_) do { \
        boards_bus_t b_; boards_bus_defaults(&b_); b_.name = "Hall B"; b_.device = "/dev/ttyUSB0"; \
        b_.member = value; inv_error_t e_ = { 0 }; \
        if (boards_validate_bus(&b_, &e_) != -1) fail_msg("bus accepted %s = %s", #member, #value); \
        assert_string_equal(e_.field, field_); assert_string_equal(e_.code, code_); } while (0)
#define BUS_GOOD(member, value) do { \
        boards_bus_t b_; boards_bus_defaults(&b_); b_.name = "Hall B"; b_.device = "/dev/ttyUSB0"; \
        b_.member = value; inv_error_t e_ = { 0 }; \
        if (boards_validate_bus(&b_, &e_) != 0) fail_msg("bus refused %s = %s (%s)", #member, #value, e_.code); } while (0)

static void bus_defaults_are_valid(void **state)
{
    (void)state;
    boards_bus_t b;
    boards_bus_defaults(&b);
    inv_error_t e = { 0 };
    /* The defaults lack only what a person must give: a name and a device. */
    assert_int_equal(boards_validate_bus(&b, &e), -1);
    assert_string_equal(e.field, "name");
    b.name = "Hall B";
    b.device = "sim/bus1";
    assert_int_equal(boards_validate_bus(&b, &e), 0);
    assert_int_equal(b.baud, 9600);
    assert_int_equal(b.poll_ms, 500);
    assert_int_equal(b.reply_timeout_ms, 100);
    assert_int_equal(b.retries, 2);
    assert_int_equal(b.open_confirm_ms, 3000);
    assert_int_equal(b.door_open_alarm_s, 120);
    assert_int_equal(b.silent_after, 3);
    assert_int_equal(b.enabled, 1);
}

static void bus_limits(void **state)
{
    (void)state;
    BUS_BAD(name, "", "name", "required");
    BUS_BAD(name, "   ", "name", "required");
    BUS_BAD(name, "0123456789012345678901234567890123456789012345678901234567890123x", "name", "too_long");
    BUS_GOOD(name, "0123456789012345678901234567890123456789012345678901234567890123");
    /* 64 characters of Cyrillic are 128 bytes: VARCHAR(64) counts characters. */
    BUS_GOOD(name, "ЯЯЯЯЯЯЯЯЯЯЯЯЯЯЯЯЯЯЯЯЯЯЯЯЯЯЯЯЯЯЯЯЯЯЯЯЯЯЯЯЯЯЯЯЯЯЯЯЯЯЯЯЯЯЯЯЯЯЯЯЯЯЯЯ");
    BUS_BAD(device, "", "device", "required");
    BUS_BAD(device, "/dev/tty USB0", "device", "bad_device");
    BUS_BAD(device, "/dev/tty\nUSB0", "device", "bad_device");
    BUS_BAD(device, "../../etc/passwd", "device", "bad_device");
    BUS_BAD(device, "sim/../../x", "device", "bad_device");
    BUS_BAD(device, "sim/..", "device", "bad_device");
    BUS_BAD(device, "..", "device", "bad_device");
    BUS_BAD(device, "/dev/ttyЮ", "device", "bad_device");
    BUS_GOOD(device, "sim/bus..1");
    BUS_GOOD(device, "/dev/serial/by-id/usb-FTDI_FT232R_USB_UART_A10K-if00-port0");
    BUS_GOOD(device, "sim/bus1");
    /* An absolute device lives under /dev/: boardd must not be pointed at
     * any other file.  Relative names stay: the simulator's terminals. */
    BUS_BAD(device, "/etc/passwd", "device", "bad_device");
    BUS_BAD(device, "/var/lib/strongroom/x", "device", "bad_device");
    BUS_BAD(device, "/dev", "device", "bad_device");
    BUS_BAD(device, "/dev/", "device", "bad_device");
    BUS_BAD(device, "/devx/ttyS0", "device", "bad_device");
    BUS_BAD(device, "/dev/../etc/passwd", "device", "bad_device");
    BUS_GOOD(device, "/dev/ttyS0");
    BUS_BAD(baud, 0, "baud", "bad_baud");
    BUS_BAD(baud, 9601, "baud", "bad_baud");
    BUS_BAD(baud, -1, "baud", "bad_baud");
    BUS_GOOD(baud, 1200);
    BUS_GOOD(baud, 115200);
    BUS_BAD(protocol, "", "protocol", "bad_protocol");
    BUS_BAD(protocol, "CU", "protocol", "bad_protocol");
    BUS_BAD(protocol, "rtu", "protocol", "bad_protocol");
    BUS_BAD(protocol, NULL, "protocol", "bad_protocol");
    BUS_GOOD(protocol, "modbus");
    BUS_BAD(poll_ms, 49, "poll_ms", "bad_poll_ms");
    BUS_BAD(poll_ms, 60001, "poll_ms", "bad_poll_ms");
    BUS_GOOD(poll_ms, 50);
    BUS_GOOD(poll_ms, 60000);
    BUS_BAD(reply_timeout_ms, 4, "reply_timeout_ms", "bad_reply_timeout");
    BUS_BAD(reply_timeout_ms, 5001, "reply_timeout_ms", "bad_reply_timeout");
    BUS_GOOD(reply_timeout_ms, 5);
    BUS_GOOD(reply_timeout_ms, 5000);
    BUS_BAD(retries, -1, "retries", "bad_retries");
    BUS_BAD(retries, 6, "retries", "bad_retries");
    BUS_GOOD(retries, 0);
    BUS_GOOD(retries, 5);
    BUS_BAD(open_confirm_ms, 99, "open_confirm_ms", "bad_open_confirm");
    BUS_BAD(open_confirm_ms, 60001, "open_confirm_ms", "bad_open_confirm");
    BUS_GOOD(open_confirm_ms, 100);
    BUS_BAD(door_open_alarm_s, 4, "door_open_alarm_s", "bad_door_open_alarm");
    BUS_BAD(door_open_alarm_s, 86401, "door_open_alarm_s", "bad_door_open_alarm");
    BUS_GOOD(door_open_alarm_s, 86400);
    BUS_BAD(silent_after, 0, "silent_after", "bad_silent_after");
    BUS_BAD(silent_after, 101, "silent_after", "bad_silent_after");
    BUS_GOOD(silent_after, 100);
    BUS_BAD(enabled, 2, "enabled", "invalid");
    BUS_GOOD(enabled, 0);
}

static int board_ok(const char *protocol, int address, int channels, int pulse, const char **code)
{
    boards_board_t b = { .address = address, .channels = channels, .timed_pulse = 1, .pulse_ms = pulse };
    inv_error_t e = { 0 };
    int rc = boards_validate_board(protocol, &b, &e);
    *code = e.code;
    return rc == 0;
}

static void board_limits(void **state)
{
    (void)state;
    const char *code;
    assert_true(board_ok("cu", 0, 16, 500, &code));
    assert_true(board_ok("cu", 31, 48, 500, &code));
    assert_false(board_ok("cu", 32, 16, 500, &code));
    assert_string_equal(code, "bad_address_cu");
    assert_false(board_ok("cu", -1, 16, 500, &code));
    assert_false(board_ok("modbus", 0, 16, 500, &code));
    assert_string_equal(code, "bad_address_modbus");
    assert_true(board_ok("modbus", 1, 16, 500, &code));
    assert_true(board_ok("modbus", 247, 16, 500, &code));
    assert_false(board_ok("modbus", 248, 16, 500, &code));
    assert_false(board_ok("cu", 1, 0, 500, &code));
    assert_string_equal(code, "bad_channels");
    assert_false(board_ok("cu", 1, 49, 500, &code));
    assert_true(board_ok("cu", 1, 1, 500, &code));
    assert_false(board_ok("cu", 1, 16, 99, &code));
    assert_string_equal(code, "bad_pulse_ms");
    assert_false(board_ok("cu", 1, 16, 10001, &code));
    assert_true(board_ok("cu", 1, 16, 100, &code));
    assert_true(board_ok("cu", 1, 16, 10000, &code));
    assert_false(board_ok("rs232", 1, 16, 500, &code));
    assert_string_equal(code, "bad_protocol");
    assert_false(board_ok(NULL, 1, 16, 500, &code));
    boards_board_t b;
    boards_board_defaults(&b);
    inv_error_t e = { 0 };
    assert_int_equal(boards_validate_board("cu", &b, &e), 0);
    assert_int_equal(boards_validate_board("modbus", &b, &e), 0);   /* address 1 suits both */
    b.timed_pulse = 3;
    assert_int_equal(boards_validate_board("modbus", &b, &e), -1);
    assert_string_equal(e.field, "timed_pulse");
    int lo, hi;
    assert_int_equal(boards_address_range("cu", &lo, &hi), 0);
    assert_int_equal(lo, 0);
    assert_int_equal(hi, 31);
    assert_int_equal(boards_address_range("modbus", &lo, &hi), 0);
    assert_int_equal(lo, 1);
    assert_int_equal(hi, 247);
}

static void wiring_plans(void **state)
{
    (void)state;
    unsigned char taken[BOARDS_MAX_CHANNELS + 1] = { 0 };
    inv_error_t e = { 0 };
    int clash = -1;
    assert_int_equal(boards_plan_wiring(16, 1, 16, taken, &clash, &e), 0);
    assert_int_equal(clash, 0);
    assert_int_equal(boards_plan_wiring(8, 9, 16, taken, &clash, &e), 0);
    assert_int_equal(boards_plan_wiring(48, 1, 48, taken, NULL, &e), 0);
    assert_int_equal(boards_plan_wiring(1, 48, 48, NULL, NULL, &e), 0);
    /* One cell too many from this channel on. */
    assert_int_equal(boards_plan_wiring(9, 9, 16, taken, &clash, &e), -1);
    assert_string_equal(e.code, "too_few_channels");
    assert_string_equal(e.field, "first_channel");
    assert_int_equal(boards_plan_wiring(17, 1, 16, taken, &clash, &e), -1);
    assert_string_equal(e.code, "too_few_channels");
    assert_int_equal(boards_plan_wiring(1, 0, 16, taken, &clash, &e), -1);
    assert_string_equal(e.code, "bad_channel");
    assert_int_equal(boards_plan_wiring(1, 17, 16, taken, &clash, &e), -1);
    assert_string_equal(e.code, "bad_channel");
    assert_int_equal(boards_plan_wiring(1, -5, 16, taken, &clash, &e), -1);
    assert_string_equal(e.code, "bad_channel");
    /* Another bank's cell on channel 12: 9..16 clashes there, 1..8 does not. */
    taken[12] = 1;
    assert_int_equal(boards_plan_wiring(8, 9, 16, taken, &clash, &e), -1);
    assert_string_equal(e.code, "channel_taken");
    assert_int_equal(clash, 12);
    assert_int_equal(boards_plan_wiring(8, 1, 16, taken, &clash, &e), 0);
    assert_int_equal(boards_plan_wiring(3, 13, 16, taken, &clash, &e), 0);
    assert_int_equal(boards_plan_wiring(1, 12, 16, taken, &clash, &e), -1);
    /* A board of no channels, or more than the protocol allows, holds nothing. */
    assert_int_equal(boards_plan_wiring(1, 1, 0, taken, &clash, &e), -1);
    assert_int_equal(boards_plan_wiring(1, 1, 49, taken, &clash, &e), -1);
    assert_int_equal(boards_plan_wiring(0, 1, 16, taken, &clash, &e), -1);
    /* A bank without cells has its own message, whatever the channel. */
    assert_string_equal(e.code, "no_cells");
    assert_string_equal(e.field, "bank");
    assert_int_equal(boards_plan_wiring(0, 17, 16, NULL, NULL, &e), -1);
    assert_string_equal(e.code, "no_cells");
}

static void reasons_and_notes(void **state)
{
    (void)state;
    inv_error_t e = { 0 };
    char buf[1200];
    assert_int_equal(boards_validate_reason("customer lost receipt", &e), 0);
    assert_int_equal(boards_validate_reason("", &e), -1);
    assert_string_equal(e.code, "required");
    assert_int_equal(boards_validate_reason(" \t ", &e), -1);
    assert_int_equal(boards_validate_reason(NULL, &e), -1);
    memset(buf, 'r', 255);
    buf[255] = '\0';
    assert_int_equal(boards_validate_reason(buf, &e), 0);
    buf[255] = 'r';
    buf[256] = '\0';
    assert_int_equal(boards_validate_reason(buf, &e), -1);
    assert_string_equal(e.code, "too_long");
    /* boardd counts bytes: 128 Cyrillic letters are 256 of them. */
    buf[0] = '\0';
    for (int i = 0; i < 128; i++) strcat(buf, "Я");
    assert_int_equal(boards_validate_reason(buf, &e), -1);
    assert_string_equal(e.field, "reason");

    assert_int_equal(boards_validate_note("Door shut, checked", &e), 0);
    assert_int_equal(boards_validate_note("", &e), -1);
    assert_string_equal(e.field, "note");
    assert_string_equal(e.code, "required");
    /* The note is VARCHAR(500): characters, not bytes. */
    buf[0] = '\0';
    for (int i = 0; i < 500; i++) strcat(buf, "Я");
    assert_int_equal(boards_validate_note(buf, &e), 0);
    strcat(buf, "Я");
    assert_int_equal(boards_validate_note(buf, &e), -1);
    assert_string_equal(e.code, "too_long");
}

static void command_ids(void **state)
{
    (void)state;
    char a[BOARDS_BO_COMMAND_LEN + 1], b[BOARDS_BO_COMMAND_LEN + 1];
    for (int i = 0; i < 200; i++) {
        boards_new_bo_command_id(a);
        boards_new_bo_command_id(b);
        assert_int_equal(strlen(a), 35);
        assert_true(boards_valid_bo_command_id(a));
        assert_string_not_equal(a, b);
    }
    assert_true(boards_valid_bo_command_id("bo-00112233445566778899aabbccddeeff"));
    assert_false(boards_valid_bo_command_id("bo-00112233445566778899AABBCCDDEEFF"));
    assert_false(boards_valid_bo_command_id("bo-00112233445566778899aabbccddeef"));
    assert_false(boards_valid_bo_command_id("bo-00112233445566778899aabbccddeeff0"));
    assert_false(boards_valid_bo_command_id("api-00112233445566778899aabbccddeef"));
    assert_false(boards_valid_bo_command_id("bo-00112233445566778899aabbccddeeg"));
    assert_false(boards_valid_bo_command_id(""));
    assert_false(boards_valid_bo_command_id(NULL));
}

int main(void)
{
    if (secret_init() != 0) return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(bus_defaults_are_valid),
        cmocka_unit_test(bus_limits),
        cmocka_unit_test(board_limits),
        cmocka_unit_test(wiring_plans),
        cmocka_unit_test(reasons_and_notes),
        cmocka_unit_test(command_ids),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
