/* Unit tests for lib/cu_frame.c: the examples of docs/boards.md §1 byte
 * for byte in both directions, every request and reply, read-all at 12,
 * 16 and 48 locks, arguments refused, and the parser against splits,
 * garbage, broken frames and its counters. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>
#include "cu_frame.h"
#include "hexbytes.h"

/* Feeds the whole of data in chunks of at most `chunk` bytes, the way a
 * caller is told to (again after each frame, until 0), and collects the
 * frames.  Returns how many there were. */
static size_t parse_chunked(cu_parser_t *p, const uint8_t *data, size_t len, size_t chunk,
                            cu_frame_t *frames, size_t max)
{
    size_t nframes = 0;
    while (len) {
        size_t piece = len < chunk ? len : chunk;
        const uint8_t *d = data;
        size_t left = piece, used = 0;
        cu_frame_t f;
        while (cu_parser_feed(p, d, left, &used, &f)) {
            assert_true(used <= left);
            if (nframes == max) fail_msg("more than %zu frames", max);
            frames[nframes++] = f;
            d += used;
            left -= used;
        }
        assert_int_equal(used, left);   /* a 0 return took everything */
        data += piece;
        len -= piece;
    }
    return nframes;
}

static size_t parse_hex(cu_parser_t *p, const char *hex, cu_frame_t *frames, size_t max)
{
    uint8_t bytes[256];
    size_t n = unhex(hex, bytes, sizeof bytes);
    return parse_chunked(p, bytes, n, n, frames, max);
}

/* Parses hex expecting exactly one frame and no noise; returns it. */
static cu_frame_t one_frame(int replies, const char *hex)
{
    cu_parser_t p;
    cu_parser_init(&p, replies);
    cu_frame_t f[2];
    assert_int_equal(parse_hex(&p, hex, f, 2), 1);
    assert_int_equal(p.noise_bytes, 0);
    assert_int_equal(p.bad_frames, 0);
    assert_int_equal(p.len, 0);
    return f[0];
}

static void checksum_and_bits(void **state)
{
    uint8_t b[16];
    size_t n = unhex("02 01 00 52 10 00 FF FF 03", b, sizeof b);
    assert_int_equal(cu_checksum(b, n), 0x66);
    assert_int_equal(cu_checksum(b, 0), 0);
    memset(b, 0xFF, sizeof b);
    assert_int_equal(cu_checksum(b, 16), 0xF0);   /* 16 * 255 = 0xFF0 */

    const uint8_t bits[6] = { 0x01, 0x80, 0x00, 0x00, 0x00, 0x80 };
    assert_int_equal(cu_bit(bits, 1), 1);
    assert_int_equal(cu_bit(bits, 2), 0);
    assert_int_equal(cu_bit(bits, 8), 0);
    assert_int_equal(cu_bit(bits, 16), 1);
    assert_int_equal(cu_bit(bits, 17), 0);
    assert_int_equal(cu_bit(bits, 48), 1);
    assert_int_equal(cu_bit(bits, 0), 0);
    assert_int_equal(cu_bit(bits, 49), 0);
    assert_int_equal(cu_bit(bits, -1), 0);
    assert_int_equal(cu_bit(NULL, 1), 0);

    assert_int_equal(cu_bitmap_len(1), 1);
    assert_int_equal(cu_bitmap_len(8), 1);
    assert_int_equal(cu_bitmap_len(12), 2);
    assert_int_equal(cu_bitmap_len(48), 6);
    assert_int_equal(CU_FRAME_MAX, 20);
}

static void spec_examples_encode(void **state)
{
    uint8_t b[CU_FRAME_MAX];
    encoded_as(cu_request(b, sizeof b, 1, 5, CU_CMD_UNLOCK), b, "02 01 05 51 03 5C");
    encoded_as(cu_reply_unlock(b, sizeof b, 1, 5, CU_UNLOCK_OK), b, "02 01 05 51 00 03 5C");
    encoded_as(cu_request(b, sizeof b, 1, 5, CU_CMD_READ_ONE), b, "02 01 05 50 03 5B");
    encoded_as(cu_reply_read_one(b, sizeof b, 1, 5, CU_STATE_HOOK_CLOSED), b, "02 01 05 50 01 03 5C");
    encoded_as(cu_request(b, sizeof b, 1, 0, CU_CMD_READ_ALL), b, "02 01 00 52 03 58");
    const uint8_t shut[2] = { 0xFF, 0xFF };
    encoded_as(cu_reply_read_all(b, sizeof b, 1, 16, shut, NULL), b, "02 01 00 52 10 00 FF FF 03 66");
    encoded_as(cu_request(b, sizeof b, 1, 0, CU_CMD_VERSION), b, "02 01 00 53 03 59");
    encoded_as(cu_reply_version(b, sizeof b, 1, 2, 7), b, "02 01 00 53 02 07 03 62");
}

static void spec_examples_parse(void **state)
{
    cu_frame_t f = one_frame(1, "02 01 05 51 00 03 5C");
    assert_int_equal(f.address, 1);
    assert_int_equal(f.lock, 5);
    assert_int_equal(f.cmd, CU_CMD_UNLOCK);
    assert_int_equal(f.status, CU_UNLOCK_OK);

    f = one_frame(1, "02 01 05 50 01 03 5C");
    assert_int_equal(f.address, 1);
    assert_int_equal(f.lock, 5);
    assert_int_equal(f.cmd, CU_CMD_READ_ONE);
    assert_int_equal(f.state, 0x01);
    assert_true(cu_state_hook_closed(f.state));
    assert_false(cu_state_item_present(f.state));
    assert_false(cu_state_has_sensor(f.state));

    f = one_frame(1, "02 01 00 52 10 00 FF FF 03 66");
    assert_int_equal(f.address, 1);
    assert_int_equal(f.lock, 0);
    assert_int_equal(f.cmd, CU_CMD_READ_ALL);
    assert_int_equal(f.nlocks, 16);
    assert_int_equal(f.has_occupancy, 0);
    const uint8_t hook[6] = { 0xFF, 0xFF, 0, 0, 0, 0 }, none[6] = { 0 };
    assert_memory_equal(f.hook, hook, 6);
    assert_memory_equal(f.occupancy, none, 6);

    f = one_frame(1, "02 01 00 53 02 07 03 62");
    assert_int_equal(f.address, 1);
    assert_int_equal(f.lock, 0);
    assert_int_equal(f.cmd, CU_CMD_VERSION);
    assert_int_equal(f.major, 2);
    assert_int_equal(f.minor, 7);

    /* The requests, as the simulator reads them. */
    const char *requests[] = { "02 01 05 51 03 5C", "02 01 05 50 03 5B", "02 01 00 52 03 58",
                               "02 01 00 53 03 59" };
    const uint8_t locks[] = { 5, 5, 0, 0 };
    const uint8_t cmds[] = { CU_CMD_UNLOCK, CU_CMD_READ_ONE, CU_CMD_READ_ALL, CU_CMD_VERSION };
    for (size_t i = 0; i < 4; i++) {
        cu_frame_t want;
        memset(&want, 0, sizeof want);
        want.address = 1;
        want.lock = locks[i];
        want.cmd = cmds[i];
        f = one_frame(0, requests[i]);
        assert_memory_equal(&f, &want, sizeof want);
    }
}

/* Every request, at the edges of address and lock. */
static void requests(void **state)
{
    uint8_t b[CU_REQUEST_LEN];
    encoded_as(cu_request(b, sizeof b, 0, 1, CU_CMD_UNLOCK), b, "02 00 01 51 03 57");
    encoded_as(cu_request(b, sizeof b, 0x1F, 48, CU_CMD_UNLOCK), b, "02 1F 30 51 03 A5");
    encoded_as(cu_request(b, sizeof b, 0x1F, 48, CU_CMD_READ_ONE), b, "02 1F 30 50 03 A4");
    encoded_as(cu_request(b, sizeof b, 0x1F, 0, CU_CMD_READ_ALL), b, "02 1F 00 52 03 76");
    encoded_as(cu_request(b, sizeof b, 0x10, 0, CU_CMD_VERSION), b, "02 10 00 53 03 68");

    cu_frame_t f = one_frame(0, "02 1F 30 51 03 A5");
    assert_int_equal(f.address, 0x1F);
    assert_int_equal(f.lock, 48);
    assert_int_equal(f.cmd, CU_CMD_UNLOCK);
}

static void replies(void **state)
{
    uint8_t b[CU_FRAME_MAX];
    encoded_as(cu_reply_unlock(b, sizeof b, 3, 12, CU_UNLOCK_REFUSED), b, "02 03 0C 51 01 03 66");
    cu_frame_t f = one_frame(1, "02 03 0C 51 01 03 66");
    assert_int_equal(f.address, 3);
    assert_int_equal(f.lock, 12);
    assert_int_equal(f.status, CU_UNLOCK_REFUSED);

    /* Door open, sensor, item inside: 0x82. */
    encoded_as(cu_reply_read_one(b, sizeof b, 2, 48, 0x82), b, "02 02 30 50 82 03 09");
    f = one_frame(1, "02 02 30 50 82 03 09");
    assert_int_equal(f.state, 0x82);
    assert_false(cu_state_hook_closed(f.state));
    assert_true(cu_state_has_sensor(f.state));
    assert_true(cu_state_item_present(f.state));
    /* Item bit without a sensor is not an item. */
    assert_false(cu_state_item_present(0x03));
    assert_true(cu_state_item_present(0x83));
    /* Reserved bits pass through untouched. */
    encoded_as(cu_reply_read_one(b, sizeof b, 2, 1, 0x7C), b, "02 02 01 50 7C 03 D4");
    assert_int_equal(one_frame(1, "02 02 01 50 7C 03 D4").state, 0x7C);

    encoded_as(cu_reply_version(b, sizeof b, 0x1F, 255, 0), b, "02 1F 00 53 FF 00 03 76");
    f = one_frame(1, "02 1F 00 53 FF 00 03 76");
    assert_int_equal(f.major, 255);
    assert_int_equal(f.minor, 0);
}

static void read_all_sizes(void **state)
{
    uint8_t b[CU_FRAME_MAX];
    const uint8_t ones[6] = { 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF };
    /* 12 locks: locks 1, 10 and 12 shut; the 4 spare bits are sent as 0. */
    const uint8_t hook12[2] = { 0x01, 0xFA };
    const uint8_t occ12[2] = { 0x80, 0xF1 };   /* locks 8 and 9 */
    encoded_as(cu_reply_read_all(b, sizeof b, 1, 12, hook12, NULL), b, "02 01 00 52 0C 00 01 0A 03 6F");
    encoded_as(cu_reply_read_all(b, sizeof b, 1, 12, hook12, occ12), b,
               "02 01 00 52 0C 01 01 0A 80 01 03 F1");
    cu_frame_t f = one_frame(1, "02 01 00 52 0C 01 01 0A 80 01 03 F1");
    assert_int_equal(f.nlocks, 12);
    assert_int_equal(f.has_occupancy, 1);
    const uint8_t want_hook[6] = { 0x01, 0x0A }, want_occ[6] = { 0x80, 0x01 };
    assert_memory_equal(f.hook, want_hook, 6);
    assert_memory_equal(f.occupancy, want_occ, 6);
    assert_int_equal(cu_bit(f.hook, 1), 1);
    assert_int_equal(cu_bit(f.hook, 2), 0);
    assert_int_equal(cu_bit(f.hook, 10), 1);
    assert_int_equal(cu_bit(f.hook, 12), 1);
    assert_int_equal(cu_bit(f.occupancy, 8), 1);
    assert_int_equal(cu_bit(f.occupancy, 9), 1);
    assert_int_equal(cu_bit(f.occupancy, 10), 0);

    /* A board that sets the spare bits: accepted, and they read as 0. */
    f = one_frame(1, "02 01 00 52 0C 00 FF FF 03 62");
    const uint8_t masked[6] = { 0xFF, 0x0F };
    assert_memory_equal(f.hook, masked, 6);
    assert_int_equal(cu_bit(f.hook, 13), 0);

    /* 16 locks with occupancy. */
    const uint8_t occ16[2] = { 0x00, 0x80 };
    encoded_as(cu_reply_read_all(b, sizeof b, 4, 16, ones, occ16), b,
               "02 04 00 52 10 01 FF FF 00 80 03 EA");
    f = one_frame(1, "02 04 00 52 10 01 FF FF 00 80 03 EA");
    assert_int_equal(f.address, 4);
    assert_int_equal(f.nlocks, 16);
    assert_int_equal(cu_bit(f.occupancy, 16), 1);
    assert_int_equal(cu_bit(f.occupancy, 15), 0);

    /* 48 locks: the longest frames. */
    const uint8_t hook48[6] = { 0x01, 0x02, 0x04, 0x08, 0x10, 0x80 };
    encoded_as(cu_reply_read_all(b, sizeof b, 0x1F, 48, hook48, NULL), b,
               "02 1F 00 52 30 00 01 02 04 08 10 80 03 45");
    size_t n = cu_reply_read_all(b, sizeof b, 0x1F, 48, hook48, ones);
    encoded_as(n, b, "02 1F 00 52 30 01 01 02 04 08 10 80 FF FF FF FF FF FF 03 40");
    assert_int_equal(n, CU_FRAME_MAX);
    f = one_frame(1, "02 1F 00 52 30 01 01 02 04 08 10 80 FF FF FF FF FF FF 03 40");
    assert_int_equal(f.nlocks, 48);
    assert_int_equal(f.has_occupancy, 1);
    assert_memory_equal(f.hook, hook48, 6);
    assert_memory_equal(f.occupancy, ones, 6);
    assert_int_equal(cu_bit(f.hook, 48), 1);
    assert_int_equal(cu_bit(f.hook, 47), 0);
    assert_int_equal(cu_bit(f.hook, 37), 1);

    /* 1 lock, the smallest. */
    encoded_as(cu_reply_read_all(b, sizeof b, 0, 1, ones, NULL), b, "02 00 00 52 01 00 01 03 59");
    assert_int_equal(one_frame(1, "02 00 00 52 01 00 01 03 59").nlocks, 1);
}

/* A refused call returns 0 and leaves the buffer as it was. */
#define REFUSED(call) do { \
        memset(b, 0xAA, sizeof b); \
        if ((call) != 0) fail_msg("accepted: %s", #call); \
        for (size_t i_ = 0; i_ < sizeof b; i_++) assert_int_equal(b[i_], 0xAA); \
    } while (0)

static void bad_arguments(void **state)
{
    uint8_t b[CU_FRAME_MAX + 4];
    const uint8_t bits[6] = { 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF };
    REFUSED(cu_request(b, sizeof b, 0x20, 1, CU_CMD_UNLOCK));
    REFUSED(cu_request(b, sizeof b, 0xFF, 1, CU_CMD_UNLOCK));
    REFUSED(cu_request(b, sizeof b, 1, 0, CU_CMD_UNLOCK));
    REFUSED(cu_request(b, sizeof b, 1, 0, CU_CMD_READ_ONE));
    REFUSED(cu_request(b, sizeof b, 1, 49, CU_CMD_UNLOCK));
    REFUSED(cu_request(b, sizeof b, 1, 255, CU_CMD_READ_ONE));
    REFUSED(cu_request(b, sizeof b, 1, 1, CU_CMD_READ_ALL));
    REFUSED(cu_request(b, sizeof b, 1, 5, CU_CMD_VERSION));
    REFUSED(cu_request(b, sizeof b, 1, 1, 0x54));
    REFUSED(cu_request(b, sizeof b, 1, 1, 0x4F));
    REFUSED(cu_request(b, sizeof b, 1, 0, 0x00));
    REFUSED(cu_request(b, CU_REQUEST_LEN - 1, 1, 1, CU_CMD_UNLOCK));
    REFUSED(cu_request(b, 0, 1, 1, CU_CMD_UNLOCK));
    assert_int_equal(cu_request(NULL, 64, 1, 1, CU_CMD_UNLOCK), 0);

    REFUSED(cu_reply_unlock(b, sizeof b, 1, 1, 2));
    REFUSED(cu_reply_unlock(b, sizeof b, 1, 1, 0xFF));
    REFUSED(cu_reply_unlock(b, sizeof b, 1, 0, CU_UNLOCK_OK));
    REFUSED(cu_reply_unlock(b, sizeof b, 0x20, 1, CU_UNLOCK_OK));
    REFUSED(cu_reply_unlock(b, 6, 1, 1, CU_UNLOCK_OK));
    REFUSED(cu_reply_read_one(b, sizeof b, 1, 49, 0));
    REFUSED(cu_reply_read_one(b, sizeof b, 1, 0, 0));
    REFUSED(cu_reply_read_one(b, 6, 1, 1, 0));
    REFUSED(cu_reply_read_all(b, sizeof b, 1, 0, bits, NULL));
    REFUSED(cu_reply_read_all(b, sizeof b, 1, 49, bits, NULL));
    REFUSED(cu_reply_read_all(b, sizeof b, 1, 12, NULL, bits));
    REFUSED(cu_reply_read_all(b, sizeof b, 0x20, 12, bits, NULL));
    REFUSED(cu_reply_read_all(b, 9, 1, 12, bits, NULL));          /* needs 10 */
    REFUSED(cu_reply_read_all(b, 19, 1, 48, bits, bits));         /* needs 20 */
    REFUSED(cu_reply_version(b, sizeof b, 0x20, 1, 0));
    REFUSED(cu_reply_version(b, 7, 1, 1, 0));

    /* Exactly enough room is enough. */
    assert_int_equal(cu_request(b, CU_REQUEST_LEN, 1, 1, CU_CMD_UNLOCK), 6);
    assert_int_equal(cu_reply_unlock(b, 7, 1, 1, 0), 7);
    assert_int_equal(cu_reply_read_one(b, 7, 1, 1, 0), 7);
    assert_int_equal(cu_reply_read_all(b, 10, 1, 12, bits, NULL), 10);
    assert_int_equal(cu_reply_read_all(b, 20, 1, 48, bits, bits), 20);
    assert_int_equal(cu_reply_version(b, 8, 1, 1, 0), 8);
}

static void byte_by_byte(void **state)
{
    uint8_t b[CU_FRAME_MAX];
    const uint8_t hook[6] = { 1, 2, 3, 4, 5, 6 }, occ[6] = { 6, 5, 4, 3, 2, 1 };
    size_t n = cu_reply_read_all(b, sizeof b, 9, 48, hook, occ);
    assert_int_equal(n, 20);
    cu_parser_t p;
    cu_parser_init(&p, 1);
    cu_frame_t f;
    size_t used = 99;
    for (size_t i = 0; i + 1 < n; i++) {
        assert_int_equal(cu_parser_feed(&p, b + i, 1, &used, &f), 0);
        assert_int_equal(used, 1);
        assert_int_equal(p.len, i + 1);
    }
    assert_int_equal(cu_parser_feed(&p, b + n - 1, 1, &used, &f), 1);
    assert_int_equal(used, 1);
    assert_int_equal(p.len, 0);
    assert_int_equal(f.address, 9);
    assert_int_equal(f.nlocks, 48);
    assert_memory_equal(f.hook, hook, 6);
    assert_memory_equal(f.occupancy, occ, 6);
    assert_int_equal(cu_parser_feed(&p, NULL, 0, &used, &f), 0);
    assert_int_equal(used, 0);
    assert_int_equal(p.noise_bytes, 0);
    assert_int_equal(p.bad_frames, 0);
}

static void two_frames_one_feed(void **state)
{
    uint8_t b[32];
    size_t n = unhex("02 01 05 51 00 03 5C 02 01 00 53 02 07 03 62", b, sizeof b);
    cu_parser_t p;
    cu_parser_init(&p, 1);
    cu_frame_t f;
    size_t used = 0;
    assert_int_equal(cu_parser_feed(&p, b, n, &used, &f), 1);
    assert_int_equal(used, 7);
    assert_int_equal(f.cmd, CU_CMD_UNLOCK);
    assert_int_equal(cu_parser_feed(&p, b + 7, n - 7, &used, &f), 1);
    assert_int_equal(used, 8);
    assert_int_equal(f.cmd, CU_CMD_VERSION);
    assert_int_equal(cu_parser_feed(&p, b + n, 0, &used, &f), 0);
    assert_int_equal(used, 0);
    assert_int_equal(p.noise_bytes, 0);
    assert_int_equal(p.bad_frames, 0);
    /* consumed may be NULL. */
    assert_int_equal(cu_parser_feed(&p, b, 7, NULL, &f), 1);
    assert_int_equal(f.status, CU_UNLOCK_OK);
}

static void garbage_around_frames(void **state)
{
    cu_parser_t p;
    cu_frame_t f[4];
    cu_parser_init(&p, 1);
    /* Three bytes of junk, a frame, then stray STX bytes: 02 02 02 01
     * (cmd 01) and 02 02 01 05 (cmd 05) are refused, each losing one STX. */
    assert_int_equal(parse_hex(&p, "FF 00 03  02 01 05 51 00 03 5C  02 02  02 01 05 50 01 03 5C",
                               f, 4), 2);
    assert_int_equal(f[0].cmd, CU_CMD_UNLOCK);
    assert_int_equal(f[1].cmd, CU_CMD_READ_ONE);
    assert_int_equal(f[1].state, 1);
    assert_int_equal(p.noise_bytes, 5);
    assert_int_equal(p.bad_frames, 2);
    assert_int_equal(p.len, 0);

    /* A stray STX at the very end waits for more. */
    cu_parser_init(&p, 1);
    assert_int_equal(parse_hex(&p, "02 01 05 51 00 03 5C 02", f, 4), 1);
    assert_int_equal(p.len, 1);
    assert_int_equal(p.noise_bytes, 0);

    /* A truncated unlock reply, then the real one: its STX becomes the
     * bogus status 02, so the stub is refused and the reply found. */
    cu_parser_init(&p, 1);
    assert_int_equal(parse_hex(&p, "02 01 05 51  02 01 05 51 01 03 5D", f, 4), 1);
    assert_int_equal(f[0].status, CU_UNLOCK_REFUSED);
    assert_int_equal(p.noise_bytes, 4);
    assert_int_equal(p.bad_frames, 1);

    /* A truncated read-one reply (any state is valid): refused at its ETX
     * position, and the real frame is found inside the bytes taken. */
    cu_parser_init(&p, 1);
    assert_int_equal(parse_hex(&p, "02 01 05 50  02 01 05 50 01 03 5C", f, 4), 1);
    assert_int_equal(f[0].cmd, CU_CMD_READ_ONE);
    assert_int_equal(f[0].lock, 5);
    assert_int_equal(p.noise_bytes, 4);
    assert_int_equal(p.bad_frames, 1);

    /* An echo of our own version request before the reply. */
    cu_parser_init(&p, 1);
    assert_int_equal(parse_hex(&p, "02 01 00 53 03 59  02 01 00 53 02 07 03 62", f, 4), 1);
    assert_int_equal(f[0].major, 2);
    assert_int_equal(p.noise_bytes, 6);
    assert_int_equal(p.bad_frames, 1);
}

/* hex is one broken candidate (with no other 02 byte in it, which would
 * start a second candidate): it must give no frame, one bad frame and
 * noise_bytes, and a good frame after it must still be found. */
static void refused_frame(const char *hex, uint64_t noise)
{
    cu_parser_t p;
    cu_frame_t f[2];
    char both[256];
    snprintf(both, sizeof both, "%s 02 01 00 53 02 07 03 62", hex);
    cu_parser_init(&p, 1);
    if (parse_hex(&p, both, f, 2) != 1) fail_msg("no single frame after %s", hex);
    assert_int_equal(f[0].cmd, CU_CMD_VERSION);
    if (p.bad_frames != 1 || p.noise_bytes != noise)
        fail_msg("%s: %llu bad, %llu noise; want 1, %llu", hex, (unsigned long long)p.bad_frames,
                 (unsigned long long)p.noise_bytes, (unsigned long long)noise);
    assert_int_equal(p.len, 0);
}

static void broken_frames(void **state)
{
    refused_frame("02 01 05 51 00 03 5D", 7);                 /* bad checksum */
    refused_frame("02 01 05 50 01 03 00", 7);
    refused_frame("02 01 00 52 10 00 FF FF 03 67", 10);
    refused_frame("02 01 05 51 00 04 5D", 7);                 /* bad ETX (sum fixed) */
    refused_frame("02 01 00 52 10 00 FF FF FF 03", 10);       /* one byte too long */
    refused_frame("02 01 05 54 00 03 5F", 7);                 /* unknown command */
    refused_frame("02 01 05 00", 4);
    refused_frame("02 01 00 52 00 00 03 58", 8);              /* N = 0 */
    refused_frame("02 01 00 52 31", 5);                       /* N = 49 */
    refused_frame("02 01 00 52 FF", 5);
    refused_frame("02 01 00 52 10 80", 6);                    /* unknown flag */
    refused_frame("02 01 00 52 10 03", 6);
    refused_frame("02 01 00 52 10 80 FF FF 03 E6", 10);       /* ... even with a good sum */
    refused_frame("02 01 05 51 07 03 63", 7);                 /* unlock status 7 */
    refused_frame("02 20", 2);                                /* address 0x20 */
    refused_frame("02 01 31", 3);                             /* lock 49 */
    refused_frame("02 01 00 51 00 03 57", 7);                 /* unlock lock 0 */
    refused_frame("02 01 00 50 01 03 57", 7);                 /* read-one lock 0 */
    refused_frame("02 01 05 52 10 00 FF FF 03 6B", 10);       /* read-all lock 5 */
    refused_frame("02 01 05 53 01 07 03 66", 8);              /* version lock 5 */
}

/* A candidate is refused at its first wrong byte, not when its length is
 * in: every byte it holds back may be the start of the real reply. */
static void refused_early(void **state)
{
    cu_parser_t p;
    cu_frame_t f[2];
    const char *stubs[] = {
        "02 01 05 51 00 04",     /* ETX wrong: no wait for the checksum */
        "02 01 00 52 30 00 FF FF FF FF FF FF 00",
        "02 01 00 52 10 04",     /* flags */
        "02 01 00 52 00",        /* N */
        "02 01 05 51 05",        /* status */
        "02 01 05 60",           /* command */
        "02 01 40",              /* lock */
        "02 40",                 /* address */
    };
    for (size_t i = 0; i < sizeof stubs / sizeof stubs[0]; i++) {
        cu_parser_init(&p, 1);
        assert_int_equal(parse_hex(&p, stubs[i], f, 2), 0);
        if (p.bad_frames != 1 || p.len != 0) fail_msg("%s still held (%zu bytes)", stubs[i], p.len);
    }
}

static void counters_accumulate(void **state)
{
    cu_parser_t p;
    cu_frame_t f[8];
    cu_parser_init(&p, 1);
    assert_int_equal(parse_hex(&p, "AA BB 02 01 05 51 00 03 5D 02 01 05 51 00 03 5C", f, 8), 1);
    assert_int_equal(p.noise_bytes, 9);
    assert_int_equal(p.bad_frames, 1);
    assert_int_equal(parse_hex(&p, "02 20 CC 02 01 00 53 02 07 03 62", f, 8), 1);
    assert_int_equal(p.noise_bytes, 12);
    assert_int_equal(p.bad_frames, 2);
    /* Pure junk with no STX costs no bad frame. */
    assert_int_equal(parse_hex(&p, "00 01 03 04 FF", f, 8), 0);
    assert_int_equal(p.noise_bytes, 17);
    assert_int_equal(p.bad_frames, 2);
    cu_parser_init(&p, 1);
    assert_int_equal(p.noise_bytes, 0);
    assert_int_equal(p.bad_frames, 0);
    assert_int_equal(p.len, 0);
}

static void request_mode(void **state)
{
    cu_parser_t p;
    cu_frame_t f[8];
    cu_parser_init(&p, 0);
    assert_int_equal(parse_hex(&p, "02 01 05 51 03 5C 02 1F 30 50 03 A4 00 02 02 00 52 03 59 "
                                    "02 03 00 53 03 5B", f, 8), 4);
    assert_int_equal(f[0].cmd, CU_CMD_UNLOCK);
    assert_int_equal(f[1].cmd, CU_CMD_READ_ONE);
    assert_int_equal(f[1].address, 0x1F);
    assert_int_equal(f[1].lock, 48);
    assert_int_equal(f[2].cmd, CU_CMD_READ_ALL);
    assert_int_equal(f[2].address, 2);
    assert_int_equal(f[3].cmd, CU_CMD_VERSION);
    assert_int_equal(f[3].address, 3);
    assert_int_equal(p.noise_bytes, 1);
    assert_int_equal(p.bad_frames, 0);

    /* A reply is not a request: 00 sits where ETX must be. */
    cu_parser_init(&p, 0);
    assert_int_equal(parse_hex(&p, "02 01 05 51 00 03 5C", f, 8), 0);
    assert_int_equal(p.noise_bytes, 7);
    assert_int_equal(p.bad_frames, 1);
    /* Nor is a request with lock 0 for unlock. */
    cu_parser_init(&p, 0);
    assert_int_equal(parse_hex(&p, "02 01 00 51 03 57", f, 8), 0);
    assert_int_equal(p.bad_frames, 1);
    /* And the mode is a flag: any non-zero means replies. */
    cu_parser_init(&p, 7);
    assert_int_equal(p.replies, 1);
}

static void flush(void **state)
{
    cu_parser_t p;
    cu_frame_t f[4], one;
    cu_parser_init(&p, 1);
    /* A frame cut short stays pending until the line goes quiet. */
    assert_int_equal(parse_hex(&p, "02 01 05", f, 4), 0);
    assert_int_equal(p.len, 3);
    assert_int_equal(p.bad_frames, 0);
    assert_int_equal(cu_parser_flush(&p, &one), 0);
    assert_int_equal(p.len, 0);
    assert_int_equal(p.bad_frames, 1);
    assert_int_equal(p.noise_bytes, 3);
    assert_int_equal(cu_parser_flush(&p, &one), 0);     /* empty: nothing to count */
    assert_int_equal(p.bad_frames, 1);

    /* A bogus 48-lock read-all header holds a real unlock reply back: 13
     * of its 20 bytes are in.  Flushing drops the header and finds it. */
    cu_parser_init(&p, 1);
    assert_int_equal(parse_hex(&p, "02 01 00 52 30 01  02 01 05 51 00 03 5C", f, 4), 0);
    assert_int_equal(p.len, 13);
    assert_int_equal(cu_parser_flush(&p, &one), 1);
    assert_int_equal(one.cmd, CU_CMD_UNLOCK);
    assert_int_equal(one.lock, 5);
    assert_int_equal(p.bad_frames, 1);
    assert_int_equal(p.noise_bytes, 6);
    assert_int_equal(cu_parser_flush(&p, &one), 0);
    assert_int_equal(p.len, 0);

    /* A partial frame behind the one found is dropped by the next call. */
    cu_parser_init(&p, 1);
    assert_int_equal(parse_hex(&p, "02 01 00 52 30 01  02 01 05 50 01 03 5C  02 01", f, 4), 0);
    assert_int_equal(p.len, 15);
    assert_int_equal(cu_parser_flush(&p, &one), 1);
    assert_int_equal(one.cmd, CU_CMD_READ_ONE);
    assert_int_equal(p.len, 2);
    assert_int_equal(cu_parser_flush(&p, &one), 0);
    assert_int_equal(p.len, 0);
    assert_int_equal(p.bad_frames, 2);
    assert_int_equal(p.noise_bytes, 8);
}

/* A rescan can uncover frames after the input is all taken: the caller's
 * next calls, with no input, return them. */
static void frames_found_by_rescan(void **state)
{
    uint8_t b[32];
    /* A bogus 48-lock read-all with occupancy (20 bytes) whose bitmaps are
     * two whole replies; its ETX position holds the second one's ETX, so
     * only its checksum (0x9A, not 0x5C) gives it away, at the last byte. */
    size_t n = unhex("02 01 00 52 30 01  02 01 05 51 00 03 5C  02 01 05 50 01 03 5C", b, sizeof b);
    assert_int_equal(n, 20);
    cu_parser_t p;
    cu_parser_init(&p, 1);
    cu_frame_t f;
    size_t used = 0;
    assert_int_equal(cu_parser_feed(&p, b, n, &used, &f), 1);
    assert_int_equal(used, n);
    assert_int_equal(f.cmd, CU_CMD_UNLOCK);
    assert_int_equal(cu_parser_feed(&p, b + n, 0, &used, &f), 1);
    assert_int_equal(used, 0);
    assert_int_equal(f.cmd, CU_CMD_READ_ONE);
    assert_int_equal(cu_parser_feed(&p, b + n, 0, &used, &f), 0);
    assert_int_equal(p.len, 0);
    assert_int_equal(p.bad_frames, 1);
    assert_int_equal(p.noise_bytes, 6);
}

/* One stream of every reply with junk around, cut every possible way:
 * always the same frames and the same counts. */
static void every_split(void **state)
{
    uint8_t stream[256];
    size_t n = 0;
    const uint8_t bits[6] = { 0x55, 0xAA, 0x0F, 0xF0, 0x02, 0x03 };
    n += unhex("02 02 FF", stream + n, sizeof stream - n);
    n += cu_reply_unlock(stream + n, sizeof stream - n, 1, 1, 0);
    n += cu_reply_read_one(stream + n, sizeof stream - n, 2, 2, 0x81);
    n += unhex("02 01 00 52 10", stream + n, sizeof stream - n);            /* truncated */
    n += cu_reply_read_all(stream + n, sizeof stream - n, 3, 12, bits, NULL);
    n += cu_reply_read_all(stream + n, sizeof stream - n, 4, 16, bits, bits);
    n += unhex("03 03 02 02", stream + n, sizeof stream - n);
    n += cu_reply_read_all(stream + n, sizeof stream - n, 5, 48, bits, NULL);
    n += cu_reply_read_all(stream + n, sizeof stream - n, 6, 48, bits, bits);
    n += cu_reply_version(stream + n, sizeof stream - n, 7, 1, 2);
    assert_int_equal(n, 3 + 7 + 7 + 5 + 10 + 12 + 4 + 14 + 20 + 8);

    cu_parser_t p;
    cu_frame_t want[8] = { 0 }, got[8] = { 0 };
    cu_parser_init(&p, 1);
    assert_int_equal(parse_chunked(&p, stream, n, n, want, 8), 7);
    for (size_t i = 0; i < 7; i++) assert_int_equal(want[i].address, i + 1);
    assert_int_equal(want[4].nlocks, 48);
    assert_int_equal(want[5].has_occupancy, 1);
    uint64_t noise = p.noise_bytes, bad = p.bad_frames;
    assert_int_equal(noise, 3 + 5 + 4);
    assert_int_equal(bad, 5);
    for (size_t chunk = 1; chunk < n; chunk++) {
        cu_parser_init(&p, 1);
        if (parse_chunked(&p, stream, n, chunk, got, 8) != 7) fail_msg("chunk %zu", chunk);
        assert_memory_equal(got, want, sizeof want[0] * 7);
        assert_int_equal(p.noise_bytes, noise);
        assert_int_equal(p.bad_frames, bad);
        assert_int_equal(p.len, 0);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(checksum_and_bits),
        cmocka_unit_test(spec_examples_encode),
        cmocka_unit_test(spec_examples_parse),
        cmocka_unit_test(requests),
        cmocka_unit_test(replies),
        cmocka_unit_test(read_all_sizes),
        cmocka_unit_test(bad_arguments),
        cmocka_unit_test(byte_by_byte),
        cmocka_unit_test(two_frames_one_feed),
        cmocka_unit_test(garbage_around_frames),
        cmocka_unit_test(broken_frames),
        cmocka_unit_test(refused_early),
        cmocka_unit_test(counters_accumulate),
        cmocka_unit_test(request_mode),
        cmocka_unit_test(flush),
        cmocka_unit_test(frames_found_by_rescan),
        cmocka_unit_test(every_split),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
