/* The framed CU protocol.  Frame layout, in both directions:
 *   STX address lock command [data] ETX checksum
 * where the data length is fixed by the command (replies only) and the
 * checksum is the low byte of the sum of everything before it.
 *
 * The parser judges a candidate frame as early as its bytes allow (a bad
 * address or an unknown command is refused at once, not after a whole
 * frame's worth of bytes), because every byte a bogus candidate holds
 * back may be the start of the real reply boardd is waiting for. */
#include "cu_frame.h"
#include <string.h>

uint8_t cu_checksum(const uint8_t *p, size_t n)
{
    unsigned sum = 0;
    for (size_t i = 0; i < n; i++) sum += p[i];
    return (uint8_t)sum;
}

int cu_bit(const uint8_t *bitmap, int lock)
{
    if (!bitmap || lock < 1 || lock > CU_MAX_LOCKS) return 0;
    unsigned i = (unsigned)lock - 1;
    return (bitmap[i / 8] >> (i % 8)) & 1;
}

/* Unlock and read-one name a lock; read-all and version the whole board
 * (lock 0).  Unknown commands fit nothing. */
static int lock_fits_command(uint8_t cmd, uint8_t lock)
{
    switch (cmd) {
    case CU_CMD_UNLOCK:
    case CU_CMD_READ_ONE:
        return lock >= 1 && lock <= CU_MAX_LOCKS;
    case CU_CMD_READ_ALL:
    case CU_CMD_VERSION:
        return lock == 0;
    default:
        return 0;
    }
}

/* Bits beyond nlocks in the last byte of a bitmap mean nothing; keeping
 * them zero makes a decoded frame canonical. */
static void copy_bitmap(uint8_t *dst, const uint8_t *src, unsigned nlocks)
{
    size_t n = cu_bitmap_len(nlocks);
    memcpy(dst, src, n);
    if (nlocks % 8) dst[n - 1] &= (uint8_t)((1u << (nlocks % 8)) - 1);
}

/* Writes STX, header, data, ETX and checksum; the caller has checked
 * every argument.  Returns the frame length, or 0 when cap is short. */
static size_t put_frame(uint8_t *out, size_t cap, uint8_t address, uint8_t lock, uint8_t cmd,
                        const uint8_t *data, size_t ndata)
{
    size_t len = 4 + ndata + 2;
    if (!out || cap < len) return 0;
    out[0] = CU_STX;
    out[1] = address;
    out[2] = lock;
    out[3] = cmd;
    if (ndata) memcpy(out + 4, data, ndata);
    out[len - 2] = CU_ETX;
    out[len - 1] = cu_checksum(out, len - 1);
    return len;
}

static int header_valid(uint8_t address, uint8_t lock, uint8_t cmd)
{
    return address <= CU_MAX_ADDRESS && lock_fits_command(cmd, lock);
}

size_t cu_request(uint8_t *out, size_t cap, uint8_t address, uint8_t lock, uint8_t cmd)
{
    if (!header_valid(address, lock, cmd)) return 0;
    return put_frame(out, cap, address, lock, cmd, NULL, 0);
}

size_t cu_reply_unlock(uint8_t *out, size_t cap, uint8_t address, uint8_t lock, uint8_t status)
{
    if (!header_valid(address, lock, CU_CMD_UNLOCK) || status > CU_UNLOCK_REFUSED) return 0;
    return put_frame(out, cap, address, lock, CU_CMD_UNLOCK, &status, 1);
}

size_t cu_reply_read_one(uint8_t *out, size_t cap, uint8_t address, uint8_t lock, uint8_t state)
{
    if (!header_valid(address, lock, CU_CMD_READ_ONE)) return 0;
    return put_frame(out, cap, address, lock, CU_CMD_READ_ONE, &state, 1);
}

size_t cu_reply_read_all(uint8_t *out, size_t cap, uint8_t address, uint8_t nlocks,
                         const uint8_t *hook_bits, const uint8_t *occupancy_bits)
{
    if (address > CU_MAX_ADDRESS || nlocks < 1 || nlocks > CU_MAX_LOCKS || !hook_bits) return 0;
    uint8_t data[CU_FRAME_MAX];
    size_t n = cu_bitmap_len(nlocks);
    data[0] = nlocks;
    data[1] = occupancy_bits ? CU_FLAG_OCCUPANCY : 0;
    copy_bitmap(data + 2, hook_bits, nlocks);
    if (occupancy_bits) copy_bitmap(data + 2 + n, occupancy_bits, nlocks);
    return put_frame(out, cap, address, 0, CU_CMD_READ_ALL, data, 2 + n * (occupancy_bits ? 2 : 1));
}

size_t cu_reply_version(uint8_t *out, size_t cap, uint8_t address, uint8_t major, uint8_t minor)
{
    if (address > CU_MAX_ADDRESS) return 0;
    const uint8_t data[2] = { major, minor };
    return put_frame(out, cap, address, 0, CU_CMD_VERSION, data, 2);
}

/* What the bytes at the front of the parser's buffer are. */
enum verdict {
    V_BAD,        /* not a frame: drop the first byte and look again */
    V_PARTIAL,    /* a valid beginning; more bytes needed */
    V_FRAME       /* a whole valid frame */
};

/* Data bytes of a reply, judged from the n bytes of b seen so far (b[3]
 * is a known command).  Here V_FRAME only means the length is known and
 * in *ndata; V_PARTIAL that it depends on bytes still to come. */
static enum verdict reply_data_len(const uint8_t *b, size_t n, size_t *ndata)
{
    switch (b[3]) {
    case CU_CMD_UNLOCK:
        /* A status outside the spec is neither "pulsed" nor "refused". */
        if (n > 4 && b[4] > CU_UNLOCK_REFUSED) return V_BAD;
        *ndata = 1;
        return V_FRAME;
    case CU_CMD_READ_ONE:
        *ndata = 1;
        return V_FRAME;
    case CU_CMD_VERSION:
        *ndata = 2;
        return V_FRAME;
    default:   /* CU_CMD_READ_ALL: N and F decide the length */
        if (n < 5) return V_PARTIAL;
        if (b[4] < 1 || b[4] > CU_MAX_LOCKS) return V_BAD;
        if (n < 6) return V_PARTIAL;
        /* An unknown flag could mean another bitmap: the length is unknown. */
        if (b[5] & ~CU_FLAG_OCCUPANCY) return V_BAD;
        *ndata = 2 + cu_bitmap_len(b[4]) * ((b[5] & CU_FLAG_OCCUPANCY) ? 2 : 1);
        return V_FRAME;
    }
}

/* Judges the n bytes at b (b[0] is STX).  On V_FRAME, *len is the
 * frame's length, which may be less than n. */
static enum verdict examine(const uint8_t *b, size_t n, int replies, size_t *len)
{
    if (n > 1 && b[1] > CU_MAX_ADDRESS) return V_BAD;
    if (n > 2 && b[2] > CU_MAX_LOCKS) return V_BAD;
    if (n < 4) return V_PARTIAL;
    if (!lock_fits_command(b[3], b[2])) return V_BAD;
    size_t ndata = 0;
    if (replies) {
        enum verdict v = reply_data_len(b, n, &ndata);
        if (v != V_FRAME) return v;
    }
    size_t flen = 4 + ndata + 2;
    if (n >= flen - 1 && b[flen - 2] != CU_ETX) return V_BAD;
    if (n < flen) return V_PARTIAL;
    if (b[flen - 1] != cu_checksum(b, flen - 1)) return V_BAD;
    *len = flen;
    return V_FRAME;
}

/* Fills out from a frame examine() accepted. */
static void decode(const uint8_t *b, int replies, cu_frame_t *out)
{
    memset(out, 0, sizeof *out);
    out->address = b[1];
    out->lock = b[2];
    out->cmd = b[3];
    if (!replies) return;
    switch (out->cmd) {
    case CU_CMD_UNLOCK:
        out->status = b[4];
        break;
    case CU_CMD_READ_ONE:
        out->state = b[4];
        break;
    case CU_CMD_VERSION:
        out->major = b[4];
        out->minor = b[5];
        break;
    default:   /* CU_CMD_READ_ALL */
        out->nlocks = b[4];
        out->has_occupancy = (b[5] & CU_FLAG_OCCUPANCY) != 0;
        copy_bitmap(out->hook, b + 6, out->nlocks);
        if (out->has_occupancy)
            copy_bitmap(out->occupancy, b + 6 + cu_bitmap_len(out->nlocks), out->nlocks);
        break;
    }
}

static void drop_front(cu_parser_t *p, size_t n)
{
    memmove(p->buf, p->buf + n, p->len - n);
    p->len -= n;
}

/* Drops whatever at the front of the buffer cannot begin a frame.  Returns
 * 1 with a frame when one is complete at the front; 0 when the buffer is
 * empty or holds a valid partial frame. */
static int settle(cu_parser_t *p, cu_frame_t *out)
{
    while (p->len) {
        size_t flen = 0;
        if (p->buf[0] != CU_STX) {
            p->noise_bytes++;
            drop_front(p, 1);
            continue;
        }
        switch (examine(p->buf, p->len, p->replies, &flen)) {
        case V_PARTIAL:
            return 0;
        case V_FRAME:
            decode(p->buf, p->replies, out);
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

void cu_parser_init(cu_parser_t *p, int replies)
{
    memset(p, 0, sizeof *p);
    p->replies = replies != 0;
}

int cu_parser_feed(cu_parser_t *p, const uint8_t *data, size_t len, size_t *consumed,
                   cu_frame_t *out)
{
    size_t used = 0;
    int found = 0;
    for (;;) {
        if (settle(p, out)) {
            found = 1;
            break;
        }
        if (used == len) break;
        if (p->len == 0) {
            /* Between frames: skip to the next STX without copying. */
            const uint8_t *stx = memchr(data + used, CU_STX, len - used);
            size_t skip = stx ? (size_t)(stx - (data + used)) : len - used;
            p->noise_bytes += skip;
            used += skip;
            if (used == len) break;
        }
        /* settle() left a valid partial frame, shorter than CU_FRAME_MAX. */
        p->buf[p->len++] = data[used++];
    }
    if (consumed) *consumed = used;
    return found;
}

int cu_parser_flush(cu_parser_t *p, cu_frame_t *out)
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
