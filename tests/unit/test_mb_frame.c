/* Unit tests for lib/mb_frame.c: the CRC against known vectors, every
 * request the reader frames, every reply encoder byte for byte (the
 * expected CRCs were computed apart, with a plain bitwise CRC in Python),
 * arguments refused, and the reader against splits, garbage, bad CRCs,
 * flushes and its counters. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>
#include "mb_frame.h"
#include "hexbytes.h"

/* Feeds data in chunks of at most `chunk` bytes, the way a caller is told
 * to (again after each frame, until 0), and collects the requests. */
static size_t parse_chunked(mb_parser_t *p, const uint8_t *data, size_t len, size_t chunk,
                            mb_request_t *reqs, size_t max)
{
    size_t n = 0;
    while (len) {
        size_t piece = len < chunk ? len : chunk;
        const uint8_t *d = data;
        size_t left = piece, used = 0;
        mb_request_t r;
        while (mb_parser_feed(p, d, left, &used, &r)) {
            assert_true(used <= left);
            if (n == max) fail_msg("more than %zu frames", max);
            reqs[n++] = r;
            d += used;
            left -= used;
        }
        assert_int_equal(used, left);   /* a 0 return took everything */
        data += piece;
        len -= piece;
    }
    return n;
}

static size_t parse_hex(mb_parser_t *p, const char *hex, mb_request_t *reqs, size_t max)
{
    uint8_t bytes[1024];
    size_t n = unhex(hex, bytes, sizeof bytes);
    return parse_chunked(p, bytes, n, n, reqs, max);
}

/* Parses hex expecting exactly one request and no noise; returns it. */
static mb_request_t one_request(const char *hex)
{
    mb_parser_t p;
    mb_parser_init(&p);
    mb_request_t r[2];
    if (parse_hex(&p, hex, r, 2) != 1) fail_msg("not one frame: %s", hex);
    assert_int_equal(p.noise_bytes, 0);
    assert_int_equal(p.bad_frames, 0);
    assert_int_equal(p.len, 0);
    /* ... and it encodes back to the same bytes. */
    uint8_t b[MB_REQUEST_MAX];
    encoded_as(mb_request_encode(b, sizeof b, &r[0]), b, hex);
    return r[0];
}

static void crc_vectors(void **state)
{
    uint8_t b[16];
    /* The check value of CRC-16/MODBUS. */
    assert_int_equal(mb_crc16((const uint8_t *)"123456789", 9), 0x4B37);
    assert_int_equal(mb_crc16(b, 0), 0xFFFF);
    /* Read 10 holding registers of slave 1: CRC bytes C5 CD, low first. */
    size_t n = unhex("01 03 00 00 00 0A", b, sizeof b);
    assert_int_equal(mb_crc16(b, n), 0xCDC5);
    n = unhex("01 81 02", b, sizeof b);
    assert_int_equal(mb_crc16(b, n), 0x91C1);
    n = unhex("01 05 00 04 FF 00", b, sizeof b);
    assert_int_equal(mb_crc16(b, n), 0xFBCD);
    /* A frame followed by its own CRC leaves 0. */
    n = unhex("01 02 00 00 00 10 79 C6", b, sizeof b);
    assert_int_equal(mb_crc16(b, n), 0);

    const uint8_t bits[2] = { 0x05, 0x80 };
    assert_int_equal(mb_bit(bits, 0), 1);
    assert_int_equal(mb_bit(bits, 1), 0);
    assert_int_equal(mb_bit(bits, 2), 1);
    assert_int_equal(mb_bit(bits, 15), 1);
    assert_int_equal(sizeof(mb_request_t), 7 + MB_DATA_MAX);
}

static void every_request(void **state)
{
    mb_request_t r = one_request("01 01 00 00 00 10 3D C6");
    assert_int_equal(r.slave, 1);
    assert_int_equal(r.function, MB_FC_READ_COILS);
    assert_int_equal(r.address, 0);
    assert_int_equal(r.count, 16);

    r = one_request("01 02 00 00 00 10 79 C6");
    assert_int_equal(r.function, MB_FC_READ_DISCRETE);
    assert_int_equal(r.count, 16);

    r = one_request("01 03 00 00 00 0A C5 CD");
    assert_int_equal(r.function, MB_FC_READ_HOLDING);
    assert_int_equal(r.count, 10);

    r = one_request("01 04 00 00 00 01 31 CA");
    assert_int_equal(r.function, MB_FC_READ_INPUT);

    r = one_request("01 05 00 04 FF 00 CD FB");
    assert_int_equal(r.function, MB_FC_WRITE_COIL);
    assert_int_equal(r.address, 4);
    assert_int_equal(r.value, MB_COIL_ON);
    r = one_request("01 05 00 04 00 00 8C 0B");
    assert_int_equal(r.value, MB_COIL_OFF);

    r = one_request("01 06 01 04 00 05 09 F4");
    assert_int_equal(r.function, MB_FC_WRITE_REGISTER);
    assert_int_equal(r.address, 0x0104);
    assert_int_equal(r.value, 5);

    r = one_request("03 07 40 82");
    assert_int_equal(r.slave, 3);
    assert_int_equal(r.function, MB_FC_READ_EXCEPTION);

    r = one_request("01 0F 00 00 00 10 02 00 00 E2 20");
    assert_int_equal(r.function, MB_FC_WRITE_COILS);
    assert_int_equal(r.address, 0);
    assert_int_equal(r.count, 16);
    assert_int_equal(r.bytecount, 2);
    assert_int_equal(r.data[0], 0);
    assert_int_equal(r.data[1], 0);

    r = one_request("01 10 00 01 00 02 04 00 0A 01 02 92 30");
    assert_int_equal(r.function, MB_FC_WRITE_REGISTERS);
    assert_int_equal(r.address, 1);
    assert_int_equal(r.count, 2);
    assert_int_equal(r.bytecount, 4);
    const uint8_t regs[4] = { 0x00, 0x0A, 0x01, 0x02 };
    assert_memory_equal(r.data, regs, 4);

    r = one_request("01 11 C0 2C");
    assert_int_equal(r.slave, 1);
    assert_int_equal(r.function, MB_FC_REPORT_SLAVE_ID);
    assert_int_equal(r.address, 0);
    assert_int_equal(r.count, 0);

    /* Broadcast and the highest slave address are requests like any other. */
    r = one_request("00 05 00 00 FF 00 8D EB");
    assert_int_equal(r.slave, MB_BROADCAST);
    r = one_request("F7 02 00 00 07 D0 6F 30");
    assert_int_equal(r.slave, MB_MAX_SLAVE);
    assert_int_equal(r.count, 2000);
}

/* 0x0F with the longest data, 255 bytes: the reader's buffer is full. */
static void longest_request(void **state)
{
    mb_request_t r = { .slave = 9, .function = MB_FC_WRITE_COILS, .address = 3,
                       .count = MB_MAX_WRITE_COILS, .bytecount = MB_DATA_MAX };
    for (int i = 0; i < MB_DATA_MAX; i++) r.data[i] = (uint8_t)i;
    uint8_t b[MB_REQUEST_MAX + 1];
    size_t n = mb_request_encode(b, sizeof b, &r);
    assert_int_equal(n, MB_REQUEST_MAX);
    assert_int_equal(mb_crc16(b, n), 0);
    assert_int_equal(mb_request_encode(b, n - 1, &r), 0);

    mb_parser_t p;
    mb_request_t got[2];
    mb_parser_init(&p);
    assert_int_equal(parse_chunked(&p, b, n, 1, got, 2), 1);
    assert_memory_equal(&got[0], &r, sizeof r);
    assert_int_equal(p.noise_bytes, 0);
}

static void replies(void **state)
{
    uint8_t b[MB_ADU_MAX];
    /* Coils 1 and 6 of 10 on, then 16 inputs: 1 = door shut. */
    const uint8_t coils[2] = { 0x21, 0x00 }, shut[2] = { 0xEF, 0xFF };
    encoded_as(mb_reply_bits(b, sizeof b, 1, MB_FC_READ_COILS, coils, 10), b, "01 01 02 21 00 A1 AC");
    encoded_as(mb_reply_bits(b, sizeof b, 1, MB_FC_READ_DISCRETE, shut, 16), b, "01 02 02 EF FF B5 C8");
    const uint8_t all[6] = { 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF };
    encoded_as(mb_reply_bits(b, sizeof b, 1, MB_FC_READ_DISCRETE, all, 48), b,
               "01 02 06 FF FF FF FF FF FF E1 36");
    /* Bits past the count go out as zero: 0xFF with 2 bits is 0x03. */
    size_t n = mb_reply_bits(b, sizeof b, 1, MB_FC_READ_COILS, all, 2);
    assert_int_equal(n, 6);
    assert_int_equal(b[2], 1);
    assert_int_equal(b[3], 0x03);
    assert_int_equal(mb_crc16(b, n), 0);

    encoded_as(mb_reply_echo(b, sizeof b, 1, MB_FC_WRITE_COIL, 4, MB_COIL_ON), b,
               "01 05 00 04 FF 00 CD FB");
    encoded_as(mb_reply_echo(b, sizeof b, 1, MB_FC_WRITE_COIL, 4, MB_COIL_OFF), b,
               "01 05 00 04 00 00 8C 0B");
    encoded_as(mb_reply_echo(b, sizeof b, 1, MB_FC_WRITE_REGISTER, 0x0104, 5), b,
               "01 06 01 04 00 05 09 F4");
    encoded_as(mb_reply_echo(b, sizeof b, 1, MB_FC_WRITE_COILS, 0, 16), b, "01 0F 00 00 00 10 54 07");

    const uint8_t id = 1;
    encoded_as(mb_reply_slave_id(b, sizeof b, 1, &id, 1, 1, "boardsim-relay 1.0"), b,
               "01 11 14 01 FF 62 6F 61 72 64 73 69 6D 2D 72 65 6C 61 79 20 31 2E 30 63 F1");
    n = mb_reply_slave_id(b, sizeof b, 2, NULL, 0, 0, NULL);
    assert_int_equal(n, 6);
    assert_int_equal(b[2], 1);
    assert_int_equal(b[3], 0x00);
    assert_int_equal(mb_crc16(b, n), 0);

    encoded_as(mb_reply_exception(b, sizeof b, 1, MB_FC_READ_COILS, MB_EX_ILLEGAL_FUNCTION), b,
               "01 81 01 81 90");
    encoded_as(mb_reply_exception(b, sizeof b, 1, MB_FC_READ_DISCRETE, MB_EX_ILLEGAL_ADDRESS), b,
               "01 82 02 C1 61");
    encoded_as(mb_reply_exception(b, sizeof b, 1, MB_FC_WRITE_REGISTER, MB_EX_ILLEGAL_ADDRESS), b,
               "01 86 02 C3 A1");
    encoded_as(mb_reply_exception(b, sizeof b, 7, MB_FC_READ_HOLDING, MB_EX_ILLEGAL_FUNCTION), b,
               "07 83 01 60 F1");
}

static void bad_arguments(void **state)
{
    uint8_t b[MB_ADU_MAX + 16];
    const uint8_t bits[256] = { 0 };
    memset(b, 0xAA, sizeof b);
    /* Nobody answers a broadcast; 248 and up are reserved. */
    assert_int_equal(mb_reply_bits(b, sizeof b, 0, MB_FC_READ_COILS, bits, 1), 0);
    assert_int_equal(mb_reply_bits(b, sizeof b, 248, MB_FC_READ_COILS, bits, 1), 0);
    assert_int_equal(mb_reply_bits(b, sizeof b, 1, MB_FC_READ_HOLDING, bits, 1), 0);
    assert_int_equal(mb_reply_bits(b, sizeof b, 1, MB_FC_READ_COILS, bits, 0), 0);
    assert_int_equal(mb_reply_bits(b, sizeof b, 1, MB_FC_READ_COILS, bits, 2001), 0);
    assert_int_equal(mb_reply_bits(b, sizeof b, 1, MB_FC_READ_COILS, NULL, 1), 0);
    assert_int_equal(mb_reply_bits(b, 6, 1, MB_FC_READ_COILS, bits, 9), 0);   /* needs 7 */
    assert_int_equal(mb_reply_bits(b, 7, 1, MB_FC_READ_COILS, bits, 9), 7);
    assert_int_equal(mb_reply_bits(b, sizeof b, 1, MB_FC_READ_COILS, bits, 2000), 255);

    assert_int_equal(mb_reply_echo(b, sizeof b, 1, MB_FC_WRITE_COIL, 0, 0x0001), 0);
    assert_int_equal(mb_reply_echo(b, sizeof b, 1, MB_FC_WRITE_COILS, 0, 0), 0);
    assert_int_equal(mb_reply_echo(b, sizeof b, 1, MB_FC_WRITE_COILS, 0, 1969), 0);
    assert_int_equal(mb_reply_echo(b, sizeof b, 1, MB_FC_WRITE_REGISTERS, 0, 1), 0);
    assert_int_equal(mb_reply_echo(b, sizeof b, 0, MB_FC_WRITE_COIL, 0, MB_COIL_ON), 0);
    assert_int_equal(mb_reply_echo(b, 7, 1, MB_FC_WRITE_REGISTER, 0, 1), 0);

    char text[256];
    memset(text, 'x', sizeof text - 1);
    text[sizeof text - 1] = '\0';
    text[250] = '\0';                    /* 1 run byte + 250 = 251: the most */
    assert_int_equal(mb_reply_slave_id(b, sizeof b, 1, NULL, 0, 1, text), MB_ADU_MAX);
    text[250] = 'x';
    text[251] = '\0';
    assert_int_equal(mb_reply_slave_id(b, sizeof b, 1, NULL, 0, 1, text), 0);
    assert_int_equal(mb_reply_slave_id(b, sizeof b, 1, NULL, 1, 1, "x"), 0);
    assert_int_equal(mb_reply_slave_id(b, 6, 1, bits, 1, 1, NULL), 0);

    assert_int_equal(mb_reply_exception(b, sizeof b, 1, 0x81, 1), 0);
    assert_int_equal(mb_reply_exception(b, sizeof b, 1, 0, 1), 0);
    assert_int_equal(mb_reply_exception(b, sizeof b, 1, 1, 0), 0);
    assert_int_equal(mb_reply_exception(b, 4, 1, 1, 1), 0);

    mb_request_t r = { .slave = 248, .function = MB_FC_READ_COILS, .count = 1 };
    assert_int_equal(mb_request_encode(b, sizeof b, &r), 0);
    r.slave = 1;
    r.function = 0x08;
    assert_int_equal(mb_request_encode(b, sizeof b, &r), 0);
    r.function = MB_FC_READ_COILS;
    assert_int_equal(mb_request_encode(b, 7, &r), 0);
    assert_int_equal(mb_request_encode(b, 8, &r), 8);

    /* A refused call writes nothing. */
    uint8_t c[16];
    memset(c, 0xAA, sizeof c);
    assert_int_equal(mb_reply_echo(c, sizeof c, 1, MB_FC_WRITE_COIL, 0, 2), 0);
    assert_int_equal(mb_reply_exception(c, sizeof c, 1, 0, 1), 0);
    for (size_t i = 0; i < sizeof c; i++) assert_int_equal(c[i], 0xAA);
}

static void byte_by_byte(void **state)
{
    uint8_t b[16];
    size_t n = unhex("01 0F 00 00 00 10 02 00 00 E2 20", b, sizeof b);
    mb_parser_t p;
    mb_parser_init(&p);
    mb_request_t r;
    size_t used = 99;
    for (size_t i = 0; i + 1 < n; i++) {
        assert_int_equal(mb_parser_feed(&p, b + i, 1, &used, &r), 0);
        assert_int_equal(used, 1);
        assert_int_equal(p.len, i + 1);
    }
    assert_int_equal(mb_parser_feed(&p, b + n - 1, 1, &used, &r), 1);
    assert_int_equal(used, 1);
    assert_int_equal(p.len, 0);
    assert_int_equal(r.function, MB_FC_WRITE_COILS);
    assert_int_equal(mb_parser_feed(&p, NULL, 0, &used, &r), 0);
    assert_int_equal(used, 0);
    assert_int_equal(p.noise_bytes, 0);
    assert_int_equal(p.bad_frames, 0);
    /* consumed may be NULL. */
    assert_int_equal(mb_parser_feed(&p, b, n, NULL, &r), 1);
}

static void garbage_around_frames(void **state)
{
    mb_parser_t p;
    mb_request_t r[4];
    mb_parser_init(&p);
    /* FF and F8 cannot start a frame (noise only); 00 08 and 08 08 are
     * candidates with a function the reader cannot frame; 08 01 starts a
     * read whose CRC fails, and its rescan finds the real request inside
     * it.  After the second request, FF is noise and 42 waits. */
    assert_int_equal(parse_hex(&p, "FF F8 00 08  08 01 11 C0 2C  01 05 00 04 FF 00 CD FB  FF 42",
                               r, 4), 2);
    assert_int_equal(r[0].function, MB_FC_REPORT_SLAVE_ID);
    assert_int_equal(r[1].function, MB_FC_WRITE_COIL);
    assert_int_equal(p.bad_frames, 3);
    assert_int_equal(p.noise_bytes, 5 + 1);
    assert_int_equal(p.len, 1);

    /* An echo of a reply then a real request: both are requests as far
     * as the reader can tell, which is what a slave on a bus sees too. */
    mb_parser_init(&p);
    assert_int_equal(parse_hex(&p, "01 05 00 04 FF 00 CD FB 01 11 C0 2C", r, 4), 2);
    assert_int_equal(p.noise_bytes, 0);
}

/* hex is one broken candidate: each of its bytes is dropped as noise,
 * and each that is a possible slave address (nearly all) counts as a bad
 * candidate.  A good request after it must still be found, at the latest
 * when the line goes quiet (the rescan can leave a short request behind a
 * longer bogus one). */
static void refused_request(const char *hex)
{
    uint8_t bytes[256];
    size_t n = unhex(hex, bytes, sizeof bytes);
    uint64_t addresses = 0;
    for (size_t i = 0; i < n; i++) addresses += bytes[i] <= MB_MAX_SLAVE;
    mb_parser_t p;
    mb_request_t r[2];
    char both[512];
    snprintf(both, sizeof both, "%s 01 11 C0 2C", hex);
    mb_parser_init(&p);
    size_t found = parse_hex(&p, both, r, 2);
    if (found == 0 && mb_parser_flush(&p, &r[0])) found = 1;
    if (found != 1) fail_msg("no single frame after %s", hex);
    assert_int_equal(r[0].function, MB_FC_REPORT_SLAVE_ID);
    if (p.bad_frames != addresses || p.noise_bytes != n)
        fail_msg("%s: %llu bad, %llu noise; want %llu, %zu", hex, (unsigned long long)p.bad_frames,
                 (unsigned long long)p.noise_bytes, (unsigned long long)addresses, n);
    assert_int_equal(p.len, 0);
}

static void bad_crc_rejected(void **state)
{
    refused_request("01 05 00 04 FF 00 CD FC");        /* CRC high byte */
    refused_request("01 05 00 04 FF 00 CC FB");        /* CRC low byte */
    refused_request("01 05 00 04 FF 01 CD FB");        /* a data byte */
    refused_request("01 11 2C C0");                    /* CRC swapped */
    refused_request("01 0F 00 00 00 10 02 00 00 E2 21");
    refused_request("01 08");                          /* function 08 */
    refused_request("01 00");
    refused_request("01 81");                          /* an exception reply */
    refused_request("F8 F9 FF");                       /* reserved addresses: no candidates */
}

/* A candidate is refused at its function code, not when a frame's worth
 * of bytes is in. */
static void refused_early(void **state)
{
    const char *stubs[] = { "01 08", "05 2B", "07 FF", "00 80" };
    for (size_t i = 0; i < sizeof stubs / sizeof stubs[0]; i++) {
        mb_parser_t p;
        mb_request_t r[1];
        mb_parser_init(&p);
        assert_int_equal(parse_hex(&p, stubs[i], r, 1), 0);
        /* The second byte is left waiting as a candidate of its own only
         * when it is a slave address. */
        if (p.bad_frames < 1 || p.len > 1) fail_msg("%s still held (%zu bytes)", stubs[i], p.len);
    }
}

static void flush(void **state)
{
    mb_parser_t p;
    mb_request_t r[4], one;
    mb_parser_init(&p);
    /* A request cut short stays pending until the line goes quiet. */
    assert_int_equal(parse_hex(&p, "01 05 00", r, 4), 0);
    assert_int_equal(p.len, 3);
    assert_int_equal(p.bad_frames, 0);
    assert_int_equal(mb_parser_flush(&p, &one), 0);
    assert_int_equal(p.len, 0);
    assert_int_equal(p.bad_frames, 3);       /* 01 05 00, then 05 00, then 00 */
    assert_int_equal(p.noise_bytes, 3);
    assert_int_equal(mb_parser_flush(&p, &one), 0);     /* empty: nothing to count */
    assert_int_equal(p.bad_frames, 3);

    /* A bogus 0x0F header announcing 200 data bytes swallows a real
     * request; only the quiet line gives it back, after dropping the seven
     * bytes of the header one by one (00 10 C8 01 05 00 04 even looks
     * like a 0x10 header for a moment). */
    mb_parser_init(&p);
    assert_int_equal(parse_hex(&p, "09 0F 00 00 00 10 C8  01 05 00 04 FF 00 CD FB", r, 4), 0);
    assert_int_equal(p.len, 15);
    assert_int_equal(mb_parser_flush(&p, &one), 1);
    assert_int_equal(one.function, MB_FC_WRITE_COIL);
    assert_int_equal(one.address, 4);
    assert_int_equal(mb_parser_flush(&p, &one), 0);
    assert_int_equal(p.len, 0);
    assert_int_equal(p.noise_bytes, 7);
    assert_int_equal(p.bad_frames, 7);
}

/* One stream of every request with junk around, cut every possible way:
 * always the same requests and the same counts. */
static void every_split(void **state)
{
    uint8_t stream[512];
    size_t n = unhex("FF FE 01 08 "
                     "01 01 00 00 00 10 3D C6 "
                     "01 02 00 00 00 10 79 C6 "
                     "01 05 00 04 FF 00 CD FC "           /* bad CRC */
                     "01 05 00 04 FF 00 CD FB "
                     "01 06 01 04 00 05 09 F4 "
                     "FF "
                     "01 0F 00 00 00 10 02 00 00 E2 20 "
                     "01 11 C0 2C "
                     "00 05 00 00 FF 00 8D EB "
                     "F7 02 00 00 07 D0 6F 30 "
                     "FF FF", stream, sizeof stream);
    mb_parser_t p;
    mb_request_t want[16] = { 0 }, got[16] = { 0 };
    mb_parser_init(&p);
    assert_int_equal(parse_chunked(&p, stream, n, n, want, 16), 8);
    const uint8_t fns[8] = { 1, 2, 5, 6, 0x0F, 0x11, 5, 2 };
    for (size_t i = 0; i < 8; i++) assert_int_equal(want[i].function, fns[i]);
    uint64_t noise = p.noise_bytes, bad = p.bad_frames;
    assert_int_equal(noise, 4 + 8 + 1 + 2);
    assert_int_equal(p.len, 0);
    for (size_t chunk = 1; chunk < n; chunk++) {
        mb_parser_init(&p);
        if (parse_chunked(&p, stream, n, chunk, got, 16) != 8) fail_msg("chunk %zu", chunk);
        assert_memory_equal(got, want, sizeof want[0] * 8);
        assert_int_equal(p.noise_bytes, noise);
        assert_int_equal(p.bad_frames, bad);
        assert_int_equal(p.len, 0);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(crc_vectors),
        cmocka_unit_test(every_request),
        cmocka_unit_test(longest_request),
        cmocka_unit_test(replies),
        cmocka_unit_test(bad_arguments),
        cmocka_unit_test(byte_by_byte),
        cmocka_unit_test(garbage_around_frames),
        cmocka_unit_test(bad_crc_rejected),
        cmocka_unit_test(refused_early),
        cmocka_unit_test(flush),
        cmocka_unit_test(every_split),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
