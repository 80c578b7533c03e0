/* Modbus RTU frames: slave, function, data, CRC-16 low byte first.
 *
 * The request reader has no silence to go by (a pty has no timing), so
 * the function code is what says how long a request is, and everything
 * else on the line is rescanned a byte at a time, the same discipline as
 * lib/cu_frame.c.  A candidate is refused as soon as its function code is
 * in, since every byte it holds back may start the real request. */
#include "mb_frame.h"
#include <string.h>

uint16_t mb_crc16(const uint8_t *p, size_t n)
{
    uint16_t crc = 0xFFFF;
    for (size_t i = 0; i < n; i++) {
        crc ^= p[i];
        for (int bit = 0; bit < 8; bit++)
            crc = (crc & 1) ? (uint16_t)((crc >> 1) ^ 0xA001) : (uint16_t)(crc >> 1);
    }
    return crc;
}

/* Appends the CRC to the n bytes at out (the caller checked cap). */
static size_t seal(uint8_t *out, size_t n)
{
    uint16_t crc = mb_crc16(out, n);
    out[n] = (uint8_t)(crc & 0xFF);
    out[n + 1] = (uint8_t)(crc >> 8);
    return n + 2;
}

static void put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)(v & 0xFF);
}

static uint16_t get16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }

/* How a request of a function is laid out, which fixes its length;
 * SHAPE_NONE: the reader cannot frame the function. */
enum { SHAPE_NONE, SHAPE_BARE, SHAPE_FIELDS, SHAPE_DATA };

static int shape(uint8_t function)
{
    switch (function) {
    case MB_FC_READ_EXCEPTION:
    case MB_FC_REPORT_SLAVE_ID:
        return SHAPE_BARE;                 /* slave fn crc: 4 bytes */
    case MB_FC_READ_COILS:
    case MB_FC_READ_DISCRETE:
    case MB_FC_READ_HOLDING:
    case MB_FC_READ_INPUT:
    case MB_FC_WRITE_COIL:
    case MB_FC_WRITE_REGISTER:
        return SHAPE_FIELDS;               /* slave fn address value crc: 8 */
    case MB_FC_WRITE_COILS:
    case MB_FC_WRITE_REGISTERS:
        return SHAPE_DATA;                 /* ... count bytecount data crc: 9 + bytecount */
    default:
        return SHAPE_NONE;
    }
}

size_t mb_request_encode(uint8_t *out, size_t cap, const mb_request_t *r)
{
    if (!out || !r || r->slave > MB_MAX_SLAVE) return 0;
    int s = shape(r->function);
    size_t len = s == SHAPE_BARE ? 4 : s == SHAPE_FIELDS ? 8 : 9 + (size_t)r->bytecount;
    if (s == SHAPE_NONE || cap < len) return 0;
    out[0] = r->slave;
    out[1] = r->function;
    if (s != SHAPE_BARE) {
        put16(out + 2, r->address);
        put16(out + 4, r->count);
    }
    if (s == SHAPE_DATA) {
        out[6] = r->bytecount;
        memcpy(out + 7, r->data, r->bytecount);
    }
    return seal(out, len - 2);
}

static int reply_slave_ok(uint8_t slave) { return slave >= 1 && slave <= MB_MAX_SLAVE; }

size_t mb_reply_bits(uint8_t *out, size_t cap, uint8_t slave, uint8_t function,
                     const uint8_t *bits, unsigned count)
{
    if (!out || !bits || !reply_slave_ok(slave)) return 0;
    if (function != MB_FC_READ_COILS && function != MB_FC_READ_DISCRETE) return 0;
    if (count < 1 || count > MB_MAX_READ_BITS) return 0;
    size_t nbytes = (count + 7) / 8, len = 3 + nbytes + 2;
    if (cap < len) return 0;
    out[0] = slave;
    out[1] = function;
    out[2] = (uint8_t)nbytes;
    memcpy(out + 3, bits, nbytes);
    /* The spec pads the last byte with zeros, whatever the caller had there. */
    if (count % 8) out[3 + nbytes - 1] &= (uint8_t)((1u << (count % 8)) - 1);
    return seal(out, 3 + nbytes);
}

size_t mb_reply_echo(uint8_t *out, size_t cap, uint8_t slave, uint8_t function,
                     uint16_t address, uint16_t value)
{
    if (!out || !reply_slave_ok(slave) || cap < 8) return 0;
    switch (function) {
    case MB_FC_WRITE_COIL:
        if (value != MB_COIL_ON && value != MB_COIL_OFF) return 0;
        break;
    case MB_FC_WRITE_REGISTER:
        break;
    case MB_FC_WRITE_COILS:
        if (value < 1 || value > MB_MAX_WRITE_COILS) return 0;
        break;
    default:
        return 0;
    }
    out[0] = slave;
    out[1] = function;
    put16(out + 2, address);
    put16(out + 4, value);
    return seal(out, 6);
}

size_t mb_reply_slave_id(uint8_t *out, size_t cap, uint8_t slave, const uint8_t *id, size_t nid,
                         int running, const char *firmware)
{
    /* The text goes out as bytes, without its terminating NUL. */
    const uint8_t *text = (const uint8_t *)firmware;
    size_t ntext = firmware ? strlen(firmware) : 0;
    if (!out || !reply_slave_ok(slave) || (nid && !id)) return 0;
    /* slave fn count [count bytes] crc must fit in one RTU frame. */
    if (nid + 1 + ntext > MB_ADU_MAX - 5) return 0;
    size_t count = nid + 1 + ntext, len = 3 + count + 2;
    if (cap < len) return 0;
    out[0] = slave;
    out[1] = MB_FC_REPORT_SLAVE_ID;
    out[2] = (uint8_t)count;
    if (nid) memcpy(out + 3, id, nid);
    out[3 + nid] = running ? 0xFF : 0x00;
    if (ntext) memcpy(out + 4 + nid, text, ntext);
    return seal(out, 3 + count);
}

size_t mb_reply_exception(uint8_t *out, size_t cap, uint8_t slave, uint8_t function,
                          uint8_t code)
{
    if (!out || !reply_slave_ok(slave) || cap < 5) return 0;
    if (function < 1 || function >= MB_EXCEPTION_BIT || code == 0) return 0;
    out[0] = slave;
    out[1] = (uint8_t)(function | MB_EXCEPTION_BIT);
    out[2] = code;
    return seal(out, 3);
}

/* What the bytes at the front of the parser's buffer are. */
enum verdict {
    V_BAD,        /* not a frame: drop the first byte and look again */
    V_PARTIAL,    /* a valid beginning; more bytes needed */
    V_FRAME       /* a whole valid frame */
};

/* Judges the n bytes at b (b[0] is a slave address).  On V_FRAME, *len
 * is the frame's length, which may be less than n. */
static enum verdict examine(const uint8_t *b, size_t n, size_t *len)
{
    if (n < 2) return V_PARTIAL;
    size_t flen;
    switch (shape(b[1])) {
    case SHAPE_BARE:
        flen = 4;
        break;
    case SHAPE_FIELDS:
        flen = 8;
        break;
    case SHAPE_DATA:
        if (n < 7) return V_PARTIAL;
        flen = 9 + (size_t)b[6];
        break;
    default:
        return V_BAD;
    }
    if (n < flen) return V_PARTIAL;
    uint16_t crc = mb_crc16(b, flen - 2);
    if (b[flen - 2] != (crc & 0xFF) || b[flen - 1] != crc >> 8) return V_BAD;
    *len = flen;
    return V_FRAME;
}

/* Fills out from a frame examine() accepted. */
static void decode(const uint8_t *b, mb_request_t *out)
{
    memset(out, 0, sizeof *out);
    out->slave = b[0];
    out->function = b[1];
    int s = shape(b[1]);
    if (s == SHAPE_BARE) return;
    out->address = get16(b + 2);
    out->count = get16(b + 4);
    if (s == SHAPE_DATA) {
        out->bytecount = b[6];
        memcpy(out->data, b + 7, b[6]);
    }
}

static void drop_front(mb_parser_t *p, size_t n)
{
    memmove(p->buf, p->buf + n, p->len - n);
    p->len -= n;
}

/* Drops whatever at the front of the buffer cannot begin a frame.  Returns
 * 1 with a frame when one is complete at the front; 0 when the buffer is
 * empty or holds a valid partial frame. */
static int settle(mb_parser_t *p, mb_request_t *out)
{
    while (p->len) {
        size_t flen = 0;
        if (p->buf[0] > MB_MAX_SLAVE) {
            p->noise_bytes++;
            drop_front(p, 1);
            continue;
        }
        switch (examine(p->buf, p->len, &flen)) {
        case V_PARTIAL:
            return 0;
        case V_FRAME:
            decode(p->buf, out);
            drop_front(p, flen);
            return 1;
        case V_BAD:
            p->bad_frames++;
            p->noise_bytes++;
            drop_front(p, 1);
            break;
        }
    }
    return 0;
}

void mb_parser_init(mb_parser_t *p)
{
    memset(p, 0, sizeof *p);
}

int mb_parser_feed(mb_parser_t *p, const uint8_t *data, size_t len, size_t *consumed,
                   mb_request_t *out)
{
    size_t used = 0;
    int found = 0;
    for (;;) {
        if (settle(p, out)) {
            found = 1;
            break;
        }
        if (used == len) break;
        /* settle() left a valid partial frame, shorter than MB_REQUEST_MAX. */
        p->buf[p->len++] = data[used++];
    }
    if (consumed) *consumed = used;
    return found;
}

int mb_parser_flush(mb_parser_t *p, mb_request_t *out)
{
    while (!settle(p, out)) {
        if (p->len == 0) return 0;
        /* A partial frame at the front that will never be completed. */
        p->bad_frames++;
        p->noise_bytes++;
        drop_front(p, 1);
    }
    return 1;
}
