/* libFuzzer target: the CU frame parser (lib/cu_frame.c), fed arbitrary
 * bytes cut into arbitrary chunks, as a serial line delivers them.
 *
 * The first byte picks the mode and the cutting, the second seeds the
 * chunk sizes; the rest is the line.  Random bytes almost never carry a
 * valid checksum, so one mode writes the right one after every ETX that
 * follows an STX: then mutations reach the checks behind the checksum.  Checked on every call: the parser
 * never takes more than it was given, a call without a frame takes all
 * of it, and every byte taken is accounted for (in a frame, as noise, or
 * waiting in the parser), which also rules out a loop that never ends.
 * Every frame returned must be one the encoders can write back, whose
 * bytes carry a valid ETX and checksum and parse back to the same frame.
 * Without flushes the cut must not matter: the same frames and counts as
 * one single feed. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "cu_frame.h"

/* A trap is a crash to libFuzzer, so it keeps the input. */
#define CHECK(cond) do { if (!(cond)) __builtin_trap(); } while (0)

/* memcmp compares frames: that needs a struct of bytes without padding. */
_Static_assert(sizeof(cu_frame_t) == 7 + 2 * CU_BITMAP_MAX + 2, "cu_frame_t has padding");

/* What a run saw: enough to tell two runs apart. */
typedef struct run {
    size_t frames;
    size_t frame_bytes;
    uint64_t hash;
    uint64_t noise_bytes, bad_frames;
} run_t;

/* The encoder of a frame's kind; 0 when none would write it. */
static size_t encode(const cu_frame_t *f, int replies, uint8_t *out, size_t cap)
{
    if (!replies) return cu_request(out, cap, f->address, f->lock, f->cmd);
    switch (f->cmd) {
    case CU_CMD_UNLOCK:
        return cu_reply_unlock(out, cap, f->address, f->lock, f->status);
    case CU_CMD_READ_ONE:
        return cu_reply_read_one(out, cap, f->address, f->lock, f->state);
    case CU_CMD_READ_ALL:
        return cu_reply_read_all(out, cap, f->address, f->nlocks, f->hook,
                                 f->has_occupancy ? f->occupancy : NULL);
    case CU_CMD_VERSION:
        return cu_reply_version(out, cap, f->address, f->major, f->minor);
    default:
        return 0;
    }
}

/* Checks one frame the parser returned and adds it to the run. */
static void check_frame(const cu_frame_t *f, int replies, run_t *r)
{
    CHECK(f->address <= CU_MAX_ADDRESS && f->lock <= CU_MAX_LOCKS);
    if (f->cmd == CU_CMD_READ_ALL) {
        CHECK(!replies || (f->nlocks >= 1 && f->nlocks <= CU_MAX_LOCKS));
        for (int lock = f->nlocks + 1; lock <= CU_MAX_LOCKS; lock++)
            CHECK(!cu_bit(f->hook, lock) && !cu_bit(f->occupancy, lock));
    }
    uint8_t enc[CU_FRAME_MAX + 1];
    size_t n = encode(f, replies, enc, sizeof enc);
    CHECK(n >= CU_REQUEST_LEN && n <= CU_FRAME_MAX);
    CHECK(enc[0] == CU_STX && enc[n - 2] == CU_ETX && enc[n - 1] == cu_checksum(enc, n - 1));

    cu_parser_t q;
    cu_parser_init(&q, replies);
    cu_frame_t back;
    size_t used = SIZE_MAX;
    CHECK(cu_parser_feed(&q, enc, n, &used, &back) == 1 && used == n);
    CHECK(memcmp(&back, f, sizeof back) == 0);
    CHECK(q.len == 0 && q.noise_bytes == 0 && q.bad_frames == 0);

    r->frames++;
    r->frame_bytes += n;
    for (size_t i = 0; i < n; i++) r->hash = (r->hash ^ enc[i]) * 0x100000001b3u;
}

/* Every byte taken is in a frame, dropped as noise, or waiting. */
static void check_accounts(const cu_parser_t *p, const run_t *r, size_t taken)
{
    CHECK(p->len <= CU_FRAME_MAX);
    CHECK(p->bad_frames <= p->noise_bytes);
    CHECK(r->frame_bytes + p->noise_bytes + p->len == taken);
}

/* Feeds one chunk the way a caller must: again after every frame. */
static void feed_chunk(cu_parser_t *p, const uint8_t *d, size_t len, run_t *r, size_t *taken)
{
    for (;;) {
        cu_frame_t f;
        size_t used = SIZE_MAX;
        int got = cu_parser_feed(p, d, len, &used, &f);
        CHECK(got == 0 || got == 1);
        CHECK(used <= len);
        *taken += used;
        d += used;
        len -= used;
        if (got) check_frame(&f, p->replies, r);
        check_accounts(p, r, *taken);
        if (!got) break;
    }
    CHECK(len == 0);
    /* Once a call finds nothing, what waits is the start of an unfinished
     * frame.  (After a frame, a rescan may leave bytes not yet looked at.) */
    CHECK(p->len < CU_FRAME_MAX);
    CHECK(p->len == 0 || p->buf[0] == CU_STX);
}

static void flush_all(cu_parser_t *p, run_t *r, size_t taken)
{
    cu_frame_t f;
    while (cu_parser_flush(p, &f)) {
        check_frame(&f, p->replies, r);
        check_accounts(p, r, taken);
    }
    CHECK(p->len == 0);
    check_accounts(p, r, taken);
}

/* Sets the byte after each ETX to the checksum of the bytes from the
 * last STX before it, so candidate frames pass the checksum. */
static void fix_checksums(uint8_t *b, size_t len)
{
    size_t stx = SIZE_MAX;
    for (size_t i = 0; i + 1 < len; i++) {
        if (b[i] == CU_STX) {
            stx = i;
        } else if (b[i] == CU_ETX && stx != SIZE_MAX) {
            b[i + 1] = cu_checksum(b + stx, i + 1 - stx);
            stx = SIZE_MAX;
            i++;
        }
    }
}

static const size_t max_chunk[8] = { 1, 2, 3, 5, 8, 13, 21, 4096 };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2) return 0;
    const int replies = data[0] & 1;
    const size_t most = max_chunk[(data[0] >> 1) & 7];
    const int flushes = (data[0] & 0x10) != 0;
    const int fix = (data[0] & 0x20) != 0;
    unsigned x = data[1];
    size_t len = size - 2;
    uint8_t *line = malloc(len + 1);
    if (!line) return 0;
    memcpy(line, data + 2, len);
    if (fix) fix_checksums(line, len);
    data = line;

    cu_parser_t p;
    cu_parser_init(&p, replies);
    run_t cut = { 0 };
    size_t taken = 0;
    for (size_t at = 0; at < len;) {
        x = x * 37u + 11u;
        size_t chunk = 1 + (x >> 3) % most;
        if (chunk > len - at) chunk = len - at;
        feed_chunk(&p, data + at, chunk, &cut, &taken);
        at += chunk;
        if (flushes && (x & 0x80)) flush_all(&p, &cut, taken);
    }
    flush_all(&p, &cut, taken);
    CHECK(taken == len);
    cut.noise_bytes = p.noise_bytes;
    cut.bad_frames = p.bad_frames;

    if (!flushes) {
        cu_parser_t whole_p;
        cu_parser_init(&whole_p, replies);
        run_t whole = { 0 };
        size_t whole_taken = 0;
        feed_chunk(&whole_p, data, len, &whole, &whole_taken);
        flush_all(&whole_p, &whole, whole_taken);
        whole.noise_bytes = whole_p.noise_bytes;
        whole.bad_frames = whole_p.bad_frames;
        CHECK(memcmp(&whole, &cut, sizeof whole) == 0);
    }
    free(line);
    return 0;
}
