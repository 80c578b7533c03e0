/* The framed CU protocol of the common 12-, 16- and 48-lock control
 * boards (docs/boards.md §1): encoding requests and replies, and a
 * streaming parser that finds frames in whatever bytes a serial line
 * delivers, in any split, with noise around them.  Pure: no I/O, no
 * allocation, no globals, so boardd and the board simulator share it
 * and it can be unit tested and fuzzed directly. */
#ifndef SR_CU_FRAME_H
#define SR_CU_FRAME_H
#include <stddef.h>
#include <stdint.h>

#define CU_STX 0x02
#define CU_ETX 0x03

#define CU_CMD_READ_ONE 0x50
#define CU_CMD_UNLOCK   0x51
#define CU_CMD_READ_ALL 0x52
#define CU_CMD_VERSION  0x53

#define CU_MAX_ADDRESS 0x1F
#define CU_MAX_LOCKS   48
#define CU_BITMAP_MAX  ((CU_MAX_LOCKS + 7) / 8)       /* bytes of one bitmap */
#define CU_REQUEST_LEN 6
/* The longest frame: a read-all reply for 48 locks with both bitmaps. */
#define CU_FRAME_MAX   (4 + 2 + 2 * CU_BITMAP_MAX + 2)

/* Unlock reply status. */
#define CU_UNLOCK_OK      0x00   /* the relay was pulsed */
#define CU_UNLOCK_REFUSED 0x01   /* no such lock */

/* Bits of a read-one state byte; bits 2-6 are reserved and ignored. */
#define CU_STATE_HOOK_CLOSED 0x01
#define CU_STATE_ITEM        0x02
#define CU_STATE_HAS_SENSOR  0x80

/* Read-all flags byte: the occupancy bitmap follows the hook bitmap. */
#define CU_FLAG_OCCUPANCY 0x01

/* One decoded frame.  Only the fields of its command are set; the rest
 * are zero, so two frames compare equal with memcmp (all bytes, no
 * padding).  Bitmap bits beyond nlocks are always zero. */
typedef struct cu_frame {
    uint8_t address;
    uint8_t lock;                       /* 1-based; 0 for read-all and version */
    uint8_t cmd;
    uint8_t status;                     /* unlock reply */
    uint8_t state;                      /* read-one reply, CU_STATE_* bits */
    uint8_t nlocks;                     /* read-all reply, 1..CU_MAX_LOCKS */
    uint8_t has_occupancy;              /* read-all reply: occupancy[] is meaningful */
    uint8_t hook[CU_BITMAP_MAX];        /* read-all reply: 1 = hook closed */
    uint8_t occupancy[CU_BITMAP_MAX];   /* read-all reply: 1 = item present */
    uint8_t major, minor;               /* version reply */
} cu_frame_t;

/* Low byte of the sum of n bytes: a frame's checksum over STX..ETX. */
uint8_t cu_checksum(const uint8_t *p, size_t n);

/* Bytes of a bitmap for nlocks locks. */
static inline size_t cu_bitmap_len(unsigned nlocks) { return (nlocks + 7) / 8; }

/* Bit of a 1-based lock in a read-all bitmap; 0 outside 1..CU_MAX_LOCKS. */
int cu_bit(const uint8_t *bitmap, int lock);

static inline int cu_state_hook_closed(uint8_t state) { return (state & CU_STATE_HOOK_CLOSED) != 0; }
static inline int cu_state_has_sensor(uint8_t state) { return (state & CU_STATE_HAS_SENSOR) != 0; }
/* Without a sensor the board cannot know, so "present" needs both bits. */
static inline int cu_state_item_present(uint8_t state)
{
    return cu_state_has_sensor(state) && (state & CU_STATE_ITEM) != 0;
}

/* Encoders.  Each writes one whole frame into out and returns its length,
 * or returns 0 and writes nothing when an argument is outside the spec or
 * cap is too small.
 *
 * cu_request: unlock and read-one need lock 1..CU_MAX_LOCKS, read-all and
 * version need lock 0.  Always CU_REQUEST_LEN bytes. */
size_t cu_request(uint8_t *out, size_t cap, uint8_t address, uint8_t lock, uint8_t cmd);

/* Replies, for the board simulator (and the tests).  status is
 * CU_UNLOCK_OK or CU_UNLOCK_REFUSED.  hook_bits (and occupancy_bits
 * unless NULL, meaning the board has no sensors) hold
 * cu_bitmap_len(nlocks) bytes; bits beyond nlocks are sent as zero. */
size_t cu_reply_unlock(uint8_t *out, size_t cap, uint8_t address, uint8_t lock, uint8_t status);
size_t cu_reply_read_one(uint8_t *out, size_t cap, uint8_t address, uint8_t lock, uint8_t state);
size_t cu_reply_read_all(uint8_t *out, size_t cap, uint8_t address, uint8_t nlocks,
                         const uint8_t *hook_bits, const uint8_t *occupancy_bits);
size_t cu_reply_version(uint8_t *out, size_t cap, uint8_t address, uint8_t major, uint8_t minor);

/* A streaming reader of one direction of a bus.  The bytes of a frame
 * that has begun but not ended wait in buf. */
typedef struct cu_parser {
    int replies;                 /* 1: reads replies (boardd); 0: requests (simulator) */
    size_t len;                  /* bytes waiting in buf */
    uint8_t buf[CU_FRAME_MAX];
    uint64_t noise_bytes;        /* bytes dropped: not part of any valid frame */
    uint64_t bad_frames;         /* candidates (an STX onwards) that failed a check */
} cu_parser_t;

void cu_parser_init(cu_parser_t *p, int replies);

/* Takes bytes from data until one valid frame is complete (returns 1,
 * fills *out) or all len bytes are taken (returns 0); *consumed says how
 * many were taken.  A byte sequence that fails any check loses its first
 * byte as noise and the rest is read again, so a real frame behind
 * garbage is still found, and one such rescan can find more than one
 * frame: call again with the remaining input (even none) until it
 * returns 0.
 *
 *     while (cu_parser_feed(p, data, len, &used, &f)) {
 *         data += used; len -= used; handle(&f);
 *     }
 */
int cu_parser_feed(cu_parser_t *p, const uint8_t *data, size_t len, size_t *consumed,
                   cu_frame_t *out);

/* The line has gone quiet (a reply timeout, or the gap between bursts):
 * the frame waiting in the parser will never be completed.  It is
 * dropped as a bad frame, and any complete frame that was stuck behind
 * it (a longer bogus header can hold a real short reply) is returned.
 * Returns 1 with a frame, 0 once the parser is empty; call until 0. */
int cu_parser_flush(cu_parser_t *p, cu_frame_t *out);

#endif
