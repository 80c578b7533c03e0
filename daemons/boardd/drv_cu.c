/* The framed CU protocol on a serial line (docs/boards.md §1). */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "cu_frame.h"
#include "driver.h"

typedef struct cu_io {
    int fd;
    cu_parser_t parser;
} cu_io_t;

static void *cu_open(bd_bus_t *bus, char *err, size_t errlen)
{
    int fd = bd_serial_open(bus->device, bus->baud, err, errlen);
    if (fd < 0) return NULL;
    cu_io_t *io = calloc(1, sizeof *io);
    if (!io) { close(fd); snprintf(err, errlen, "out of memory"); return NULL; }
    io->fd = fd;
    cu_parser_init(&io->parser, 1);
    return io;
}

static void cu_close(void *p)
{
    cu_io_t *io = p;
    if (!io) return;
    close(io->fd);
    free(io);
}

static int write_all(int fd, const uint8_t *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w > 0) { p += w; n -= (size_t)w; continue; }
        if (w < 0 && errno == EINTR) continue;
        if (w < 0 && errno == EAGAIN) {
            struct pollfd pfd = { fd, POLLOUT, 0 };
            if (poll(&pfd, 1, 1000) <= 0) return -1;
            continue;
        }
        return -1;
    }
    return 0;
}

static int matches(const cu_frame_t *f, int address, uint8_t lock, uint8_t cmd)
{
    return f->address == address && f->lock == lock && f->cmd == cmd;
}

/* Bytes already waiting are answers to requests that timed out: they are
 * read and dropped so they cannot be taken for the answer to this one. */
static int drain_stale(cu_io_t *io)
{
    uint8_t buf[256];
    for (;;) {
        ssize_t r = read(io->fd, buf, sizeof buf);
        if (r > 0) {
            const uint8_t *p = buf;
            size_t len = (size_t)r, used;
            cu_frame_t f;
            while (cu_parser_feed(&io->parser, p, len, &used, &f)) { p += used; len -= used; }
            continue;
        }
        if (r < 0 && errno == EINTR) continue;
        if (r < 0 && errno == EAGAIN) break;
        return -1;                 /* EOF or EIO: the far end is gone */
    }
    cu_frame_t f;
    while (cu_parser_flush(&io->parser, &f)) {}
    return 0;
}

/* One request, up to `tries` times, until the matching reply arrives. */
static int exchange(bd_bus_t *bus, bd_board_t *b, int address, uint8_t lock, uint8_t cmd, int tries,
                    cu_frame_t *reply)
{
    cu_io_t *io = bus->io;
    uint8_t req[CU_REQUEST_LEN];
    if (!cu_request(req, sizeof req, (uint8_t)address, lock, cmd)) return BD_REFUSED;
    for (int attempt = 0; attempt < tries; attempt++) {
        uint64_t bad_before = io->parser.bad_frames;
        if (drain_stale(io) != 0) return BD_IO;
        bd_serial_gap(bus);
        if (write_all(io->fd, req, sizeof req) != 0) return BD_IO;
        double deadline = bd_now_ms() + bus->reply_timeout_ms;
        int got = 0, gone = 0;
        while (!got && !gone) {
            double left = deadline - bd_now_ms();
            if (left <= 0) break;
            struct pollfd pfd = { io->fd, POLLIN, 0 };
            int pr = poll(&pfd, 1, (int)left + 1);
            if (pr < 0 && errno == EINTR) continue;
            if (pr <= 0) break;
            uint8_t buf[256];
            ssize_t r = read(io->fd, buf, sizeof buf);
            if (r < 0 && (errno == EAGAIN || errno == EINTR)) continue;
            if (r <= 0) { gone = 1; break; }
            const uint8_t *p = buf;
            size_t len = (size_t)r, used;
            cu_frame_t f;
            while (cu_parser_feed(&io->parser, p, len, &used, &f)) {
                p += used;
                len -= used;
                if (!got && matches(&f, address, lock, cmd)) { *reply = f; got = 1; }
            }
        }
        /* A short reply can hide behind a bogus longer header until the
         * line goes quiet. */
        cu_frame_t f;
        while (!got && cu_parser_flush(&io->parser, &f))
            if (matches(&f, address, lock, cmd)) { *reply = f; got = 1; }
        bus->last_frame_end = bd_now_ms();
        int bad = (int)(io->parser.bad_frames - bad_before);
        if (got) { if (b) bd_board_count(bus, b, 1, 0, bad, NULL); return BD_OK; }
        if (b) bd_board_count(bus, b, 0, 1, bad, bad ? "bad frame" : "no answer");
        if (gone) return BD_IO;
    }
    return BD_NO_ANSWER;
}

static int cu_unlock(bd_bus_t *bus, bd_board_t *b, int channel, int tries)
{
    cu_frame_t f;
    int rc = exchange(bus, b, b->address, (uint8_t)channel, CU_CMD_UNLOCK, tries, &f);
    if (rc != BD_OK) return rc;
    return f.status == CU_UNLOCK_OK ? BD_OK : BD_REFUSED;
}

static int cu_read_one(bd_bus_t *bus, bd_board_t *b, int channel, int *closed)
{
    cu_frame_t f;
    int rc = exchange(bus, b, b->address, (uint8_t)channel, CU_CMD_READ_ONE, 1, &f);
    if (rc == BD_OK) *closed = cu_state_hook_closed(f.state);
    return rc;
}

static int cu_read_all(bd_bus_t *bus, bd_board_t *b, bd_doors_t *out, int tries)
{
    cu_frame_t f;
    int rc = exchange(bus, b, b->address, 0, CU_CMD_READ_ALL, tries, &f);
    if (rc != BD_OK) return rc;
    out->n = f.nlocks;
    for (int i = 0; i < f.nlocks; i++) {
        out->closed[i] = cu_bit(f.hook, i + 1);
        out->item[i] = f.has_occupancy ? cu_bit(f.occupancy, i + 1) : -1;
    }
    return BD_OK;
}

static int version(bd_bus_t *bus, bd_board_t *b, int address, int tries, char *fw, size_t len)
{
    cu_frame_t f;
    int rc = exchange(bus, b, address, 0, CU_CMD_VERSION, tries, &f);
    if (rc == BD_OK) snprintf(fw, len, "%u.%u", f.major, f.minor);
    return rc;
}

/* A CU unlock is a pulse the board times itself: no relay is left on to
 * switch off.  Reading the version checks the board is there. */
static int cu_start(bd_bus_t *bus, bd_board_t *b)
{
    char fw[sizeof b->firmware];
    int rc = version(bus, b, b->address, 1 + bus->retries, fw, sizeof fw);
    if (rc == BD_OK) bd_board_firmware(bus, b, fw);
    return rc;
}

static int cu_identify(bd_bus_t *bus, int address, char *fw, size_t len)
{
    return version(bus, NULL, address, 1, fw, len);
}

const bd_driver_t bd_driver_cu = {
    .name = "cu",
    .open = cu_open,
    .close = cu_close,
    .start = cu_start,
    .unlock = cu_unlock,
    .read_one = cu_read_one,
    .read_all = cu_read_all,
    .identify = cu_identify,
    .min_scan_address = 0,
    .max_scan_address = CU_MAX_ADDRESS,
};
