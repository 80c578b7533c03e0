/* libFuzzer target: the Modbus RTU request reader (lib/mb_frame.c), fed
 * arbitrary bytes cut into arbitrary chunks, as a serial line delivers
 * them, and the reply encoders fed what it finds.
 *
 * The first byte picks the cutting (bits 0-2), flushes on a quiet line
 * (bit 4) and whether to write valid CRCs (bit 5); the second seeds the
 * chunk sizes; the rest is the line.  Random bytes almost never carry a
 * valid CRC, so the CRC mode writes the right one at the end of every
 * candidate whose function and length are readable: then mutations
 * reach past the CRC check.  Checked on every call: the reader never
 * takes more than it was given, a call without a frame takes all of it,
 * and every byte taken is accounted for (in a frame, as noise, or
 * waiting), which also rules out a loop that never ends.  Every request
 * returned must encode back to a frame with a valid CRC that parses to
 * the same request, and the replies built from it must carry valid CRCs.
 * Without flushes the cut must not matter: the same frames and counts as
 * one single feed. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "mb_frame.h"

/* A trap is a crash to libFuzzer, so it keeps the input. */
#define CHECK(cond) do { if (!(cond)) __builtin_trap(); } while (0)

/* memcmp compares requests: that needs a struct of bytes without padding. */
_Static_assert(sizeof(mb_request_t) == 7 + MB_DATA_MAX, "mb_request_t has padding");

typedef struct run {
    size_t frames;
    size_t frame_bytes;
    uint64_t hash;
    uint64_t noise_bytes, bad_frames;
} run_t;

/* A reply written by an encoder: valid CRC (a frame followed by its CRC
 * has CRC 0), the length its function fixes, the slave and function at
 * the front.  want is 0 when the encoder must refuse. */
static void check_reply(const uint8_t *b, size_t n, size_t want, uint8_t slave, uint8_t fn)
{
    CHECK(n == want);
    if (!n) return;
    CHECK(n <= MB_ADU_MAX && mb_crc16(b, n) == 0 && b[0] == slave && b[1] == fn);
}

/* Every reply encoder, fed the fields of a request found on the line. */
static void replies_to(const mb_request_t *r)
{
    uint8_t out[MB_ADU_MAX];
    const uint8_t slave = r->slave ? r->slave : 1, fn = r->function;
    const unsigned count = r->count;

    int bits_ok = (fn == MB_FC_READ_COILS || fn == MB_FC_READ_DISCRETE) && count >= 1 &&
                  count <= MB_MAX_READ_BITS;
    size_t n = mb_reply_bits(out, sizeof out, slave, fn, r->data, count);
    check_reply(out, n, bits_ok ? 5 + (count + 7) / 8 : 0, slave, fn);
    if (n && count % 8) CHECK((out[3 + (count + 7) / 8 - 1] >> (count % 8)) == 0);

    int echo_ok = (fn == MB_FC_WRITE_COIL && (r->value == MB_COIL_ON || r->value == MB_COIL_OFF)) ||
                  fn == MB_FC_WRITE_REGISTER ||
                  (fn == MB_FC_WRITE_COILS && count >= 1 && count <= MB_MAX_WRITE_COILS);
    n = mb_reply_echo(out, sizeof out, slave, fn, r->address, r->value);
    check_reply(out, n, echo_ok ? 8 : 0, slave, fn);

    const uint8_t code = (uint8_t)r->address;
    n = mb_reply_exception(out, sizeof out, slave, fn, code);
    check_reply(out, n, code ? 5 : 0, slave, (uint8_t)(fn | MB_EXCEPTION_BIT));
    if (n) CHECK(out[2] == code);

    n = mb_reply_slave_id(out, sizeof out, slave, r->data, r->bytecount, (int)(count & 1), NULL);
    check_reply(out, n, r->bytecount + 1u <= MB_ADU_MAX - 5 ? 3 + r->bytecount + 1u + 2 : 0,
                slave, MB_FC_REPORT_SLAVE_ID);
}

/* Checks one request the reader returned and adds it to the run. */
static void check_frame(const mb_request_t *r, run_t *t)
{
    CHECK(r->slave <= MB_MAX_SLAVE);
    for (size_t i = r->bytecount; i < MB_DATA_MAX; i++) CHECK(r->data[i] == 0);

    uint8_t enc[MB_REQUEST_MAX + 1];
    size_t n = mb_request_encode(enc, sizeof enc, r);
    CHECK(n >= 4 && n <= MB_REQUEST_MAX && mb_crc16(enc, n) == 0);
    mb_parser_t q;
    mb_parser_init(&q);
    mb_request_t back;
    size_t used = SIZE_MAX;
    CHECK(mb_parser_feed(&q, enc, n, &used, &back) == 1 && used == n);
    CHECK(memcmp(&back, r, sizeof back) == 0);
    CHECK(q.len == 0 && q.noise_bytes == 0 && q.bad_frames == 0);

    replies_to(r);

    t->frames++;
    t->frame_bytes += n;
    for (size_t i = 0; i < n; i++) t->hash = (t->hash ^ enc[i]) * 0x100000001b3u;
}

/* Every byte taken is in a frame, dropped as noise, or waiting. */
static void check_accounts(const mb_parser_t *p, const run_t *t, size_t taken)
{
    CHECK(p->len <= MB_REQUEST_MAX);
    CHECK(p->bad_frames <= p->noise_bytes);
    CHECK(t->frame_bytes + p->noise_bytes + p->len == taken);
}

/* Feeds one chunk the way a caller must: again after every frame. */
static void feed_chunk(mb_parser_t *p, const uint8_t *d, size_t len, run_t *t, size_t *taken)
{
    for (;;) {
        mb_request_t r;
        size_t used = SIZE_MAX;
        int got = mb_parser_feed(p, d, len, &used, &r);
        CHECK(got == 0 || got == 1);
        CHECK(used <= len);
        *taken += used;
        d += used;
        len -= used;
        if (got) check_frame(&r, t);
        check_accounts(p, t, *taken);
        if (!got) break;
    }
    CHECK(len == 0);
    /* Once a call finds nothing, what waits is the start of an unfinished
     * frame. */
    CHECK(p->len < MB_REQUEST_MAX);
    CHECK(p->len == 0 || p->buf[0] <= MB_MAX_SLAVE);
}

static void flush_all(mb_parser_t *p, run_t *t, size_t taken)
{
    mb_request_t r;
    while (mb_parser_flush(p, &r)) {
        check_frame(&r, t);
        check_accounts(p, t, taken);
    }
    CHECK(p->len == 0);
    check_accounts(p, t, taken);
}

/* The length of a request starting at b (n bytes left), or 0 when its
 * function is not one the reader frames or the length is not in yet.
 * Written apart from lib/mb_frame.c on purpose. */
static size_t request_len(const uint8_t *b, size_t n)
{
    if (n < 2 || b[0] > MB_MAX_SLAVE) return 0;
    switch (b[1]) {
    case 0x07: case 0x11: return 4;
    case 0x01: case 0x02: case 0x03: case 0x04: case 0x05: case 0x06: return 8;
    case 0x0F: case 0x10: return n >= 7 ? 9 + (size_t)b[6] : 0;
    default: return 0;
    }
}

/* Writes the right CRC at the end of every candidate that fits, and
 * carries on after it. */
static void fix_crcs(uint8_t *b, size_t len)
{
    for (size_t i = 0; i < len;) {
        size_t flen = request_len(b + i, len - i);
        if (flen == 0 || flen > len - i) {
            i++;
            continue;
        }
        uint16_t crc = mb_crc16(b + i, flen - 2);
        b[i + flen - 2] = (uint8_t)(crc & 0xFF);
        b[i + flen - 1] = (uint8_t)(crc >> 8);
        i += flen;
    }
}

static const size_t max_chunk[8] = { 1, 2, 3, 5, 8, 13, 21, 4096 };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2) return 0;
    const size_t most = max_chunk[data[0] & 7];
    const int flushes = (data[0] & 0x10) != 0;
    const int fix = (data[0] & 0x20) != 0;
    unsigned x = data[1];
    size_t len = size - 2;
    uint8_t *line = malloc(len + 1);
    if (!line) return 0;
    memcpy(line, data + 2, len);
    if (fix) fix_crcs(line, len);

    mb_parser_t p;
    mb_parser_init(&p);
    run_t cut = { 0 };
    size_t taken = 0;
    for (size_t at = 0; at < len;) {
        x = x * 37u + 11u;
        size_t chunk = 1 + (x >> 3) % most;
        if (chunk > len - at) chunk = len - at;
        feed_chunk(&p, line + at, chunk, &cut, &taken);
        at += chunk;
        if (flushes && (x & 0x80)) flush_all(&p, &cut, taken);
    }
    flush_all(&p, &cut, taken);
    CHECK(taken == len);
    cut.noise_bytes = p.noise_bytes;
    cut.bad_frames = p.bad_frames;

    if (!flushes) {
        mb_parser_t whole_p;
        mb_parser_init(&whole_p);
        run_t whole = { 0 };
        size_t whole_taken = 0;
        feed_chunk(&whole_p, line, len, &whole, &whole_taken);
        flush_all(&whole_p, &whole, whole_taken);
        whole.noise_bytes = whole_p.noise_bytes;
        whole.bad_frames = whole_p.bad_frames;
        CHECK(memcmp(&whole, &cut, sizeof whole) == 0);
    }
    free(line);
    return 0;
}
