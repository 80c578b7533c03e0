/* Modbus RTU relay boards through libmodbus (docs/boards.md §2).  A lock's
 * relay is coil channel-1, its door sensor discrete input channel-1. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <modbus.h>
#include "driver.h"

#define PULSE_REGISTER 0x0100

static void *mb_open(bd_bus_t *bus, char *err, size_t errlen)
{
    modbus_t *ctx = modbus_new_rtu(bus->device, bus->baud, 'N', 8, 1);
    if (!ctx) { snprintf(err, errlen, "%s: %s", bus->device, modbus_strerror(errno)); return NULL; }
    uint32_t us = (uint32_t)bus->reply_timeout_ms * 1000u;
    modbus_set_response_timeout(ctx, us / 1000000u, us % 1000000u);
    modbus_set_byte_timeout(ctx, us / 1000000u, us % 1000000u);
    if (modbus_connect(ctx) != 0) {
        snprintf(err, errlen, "%s: %s", bus->device, modbus_strerror(errno));
        modbus_free(ctx);
        return NULL;
    }
    return ctx;
}

static void mb_close(void *io)
{
    if (!io) return;
    modbus_close(io);
    modbus_free(io);
}

static int is_exception(int e) { return e > MODBUS_ENOBASE && e < EMBBADCRC; }

/* The outcome of one libmodbus call (rc < 0: failed with errno e). */
static int classify(bd_bus_t *bus, bd_board_t *b, int rc, int e)
{
    bus->last_frame_end = bd_now_ms();
    if (rc >= 0) { if (b) bd_board_count(bus, b, 1, 0, 0, NULL); return BD_OK; }
    if (is_exception(e)) {
        /* The board answered, with a refusal. */
        if (b) bd_board_count(bus, b, 1, 0, 0, modbus_strerror(e));
        return BD_REFUSED;
    }
    if (e == ETIMEDOUT) { if (b) bd_board_count(bus, b, 0, 1, 0, "no answer"); return BD_NO_ANSWER; }
    if (e >= EMBBADCRC) {
        modbus_flush(bus->io);
        if (b) bd_board_count(bus, b, 0, 0, 1, modbus_strerror(e));
        return BD_NO_ANSWER;
    }
    if (b) bd_board_count(bus, b, 0, 0, 0, strerror(e));
    return BD_IO;
}

/* Each operation is a function of the context, tried up to `tries` times
 * while it finds no answer. */
typedef int (*mb_call_t)(modbus_t *ctx, void *arg);

static int call(bd_bus_t *bus, bd_board_t *b, int address, int tries, mb_call_t fn, void *arg)
{
    int rc = BD_NO_ANSWER;
    for (int attempt = 0; attempt < tries; attempt++) {
        bd_serial_gap(bus);
        modbus_set_slave(bus->io, address);
        int r = fn(bus->io, arg);
        rc = classify(bus, b, r, errno);
        if (rc != BD_NO_ANSWER) break;
    }
    return rc;
}

typedef struct mb_arg {
    int addr, n, value;
    uint8_t bits[BD_MAX_LOCKS];
    uint8_t id[MODBUS_MAX_PDU_LENGTH];
    int idlen;
} mb_arg_t;

static int do_pulse(modbus_t *c, void *p) { mb_arg_t *a = p; return modbus_write_register(c, a->addr, a->value); }
static int do_coil(modbus_t *c, void *p) { mb_arg_t *a = p; return modbus_write_bit(c, a->addr, a->value); }
static int do_coils(modbus_t *c, void *p) { mb_arg_t *a = p; return modbus_write_bits(c, a->addr, a->n, a->bits); }
static int do_inputs(modbus_t *c, void *p) { mb_arg_t *a = p; return modbus_read_input_bits(c, a->addr, a->n, a->bits); }
static int do_report(modbus_t *c, void *p)
{
    mb_arg_t *a = p;
    a->idlen = modbus_report_slave_id(c, (int)sizeof a->id, a->id);
    return a->idlen;
}

static void sleep_ms(int ms)
{
    struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {}
}

static int mb_unlock(bd_bus_t *bus, bd_board_t *b, int channel, int tries)
{
    if (b->timed_pulse) {
        int units = (b->pulse_ms + 99) / 100;
        mb_arg_t a = { .addr = PULSE_REGISTER + channel - 1, .value = units };
        return call(bus, b, b->address, tries, do_pulse, &a);
    }
    mb_arg_t on = { .addr = channel - 1, .value = 1 };
    int rc = call(bus, b, b->address, tries, do_coil, &on);
    if (rc != BD_OK) return rc;
    sleep_ms(b->pulse_ms);
    /* A relay left on keeps the lock open: try harder to switch it off. */
    mb_arg_t off = { .addr = channel - 1, .value = 0 };
    if (call(bus, b, b->address, tries + 3, do_coil, &off) != BD_OK)
        bd_board_count(bus, b, 0, 0, 0, "relay may still be on");
    return BD_OK;
}

static int mb_read_all(bd_bus_t *bus, bd_board_t *b, bd_doors_t *out, int tries)
{
    mb_arg_t a = { .addr = 0, .n = b->channels };
    int rc = call(bus, b, b->address, tries, do_inputs, &a);
    if (rc != BD_OK) return rc;
    out->n = b->channels;
    for (int i = 0; i < b->channels; i++) { out->closed[i] = a.bits[i] != 0; out->item[i] = -1; }
    return BD_OK;
}

static int mb_read_one(bd_bus_t *bus, bd_board_t *b, int channel, int *closed)
{
    mb_arg_t a = { .addr = channel - 1, .n = 1 };
    int rc = call(bus, b, b->address, 1, do_inputs, &a);
    if (rc == BD_OK) *closed = a.bits[0] != 0;
    return rc;
}

/* Report slave id: byte count is stripped by libmodbus; then the id, the
 * run indicator and free text, which is what we show as firmware. */
static void firmware_of(const mb_arg_t *a, char *fw, size_t len)
{
    int start = a->idlen > 2 ? 2 : a->idlen, n = 0;
    char text[64];
    for (int i = start; i < a->idlen && n < (int)sizeof text - 1; i++)
        if (a->id[i] >= 0x20 && a->id[i] < 0x7F) text[n++] = (char)a->id[i];
    text[n] = 0;
    snprintf(fw, len, "%s", n ? text : "modbus");
}

static int mb_identify(bd_bus_t *bus, int address, char *fw, size_t len)
{
    mb_arg_t a = { 0 };
    int rc = call(bus, NULL, address, 1, do_report, &a);
    if (rc == BD_OK) firmware_of(&a, fw, len);
    return rc;
}

/* Every relay off before anything else: a crash may have left one on. */
static int mb_start(bd_bus_t *bus, bd_board_t *b)
{
    mb_arg_t off = { .addr = 0, .n = b->channels };
    int rc = call(bus, b, b->address, 1 + bus->retries, do_coils, &off);
    if (rc == BD_NO_ANSWER || rc == BD_IO) return rc;
    mb_arg_t id = { 0 };
    if (call(bus, b, b->address, 1, do_report, &id) == BD_OK) {
        char fw[sizeof b->firmware];
        firmware_of(&id, fw, sizeof fw);
        bd_board_firmware(bus, b, fw);
    }
    return BD_OK;
}

const bd_driver_t bd_driver_modbus = {
    .name = "modbus",
    .open = mb_open,
    .close = mb_close,
    .start = mb_start,
    .unlock = mb_unlock,
    .read_one = mb_read_one,
    .read_all = mb_read_all,
    .identify = mb_identify,
    .min_scan_address = 1,
    .max_scan_address = 32,
};
