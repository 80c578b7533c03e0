/* Modbus RTU frames, seen from the slave side of a bus (docs/boards.md
 * §2): the CRC, a streaming reader of requests, and the encoders of the
 * replies a relay board sends.  boardd itself talks through libmodbus;
 * this is for the board simulator and its tests.  Pure: no I/O, no
 * allocation, no globals, so it can be unit tested and fuzzed directly.
 *
 * A real slave finds the end of a request by the 3.5-character silence
 * after it.  A pseudo-terminal has no timing, so the reader delimits
 * frames by length instead, which the function code fixes. */
#ifndef SR_MB_FRAME_H
#define SR_MB_FRAME_H
#include <stddef.h>
#include <stdint.h>

/* Function codes the reader can frame.  The board simulator implements
 * 0x01, 0x02, 0x05, 0x06, 0x0F and 0x11; the others it can still read
 * off the line, so it can answer them with "illegal function". */
#define MB_FC_READ_COILS        0x01
#define MB_FC_READ_DISCRETE     0x02
#define MB_FC_READ_HOLDING      0x03
#define MB_FC_READ_INPUT        0x04
#define MB_FC_WRITE_COIL        0x05
#define MB_FC_WRITE_REGISTER    0x06
#define MB_FC_READ_EXCEPTION    0x07
#define MB_FC_WRITE_COILS       0x0F
#define MB_FC_WRITE_REGISTERS   0x10
#define MB_FC_REPORT_SLAVE_ID   0x11

/* An exception reply carries the function code with this bit set. */
#define MB_EXCEPTION_BIT 0x80
#define MB_EX_ILLEGAL_FUNCTION 0x01
#define MB_EX_ILLEGAL_ADDRESS  0x02
#define MB_EX_ILLEGAL_VALUE    0x03

#define MB_COIL_ON  0xFF00
#define MB_COIL_OFF 0x0000

#define MB_BROADCAST       0      /* every slave acts, none answers */
#define MB_MAX_SLAVE       247    /* 248-255 are reserved */
#define MB_MAX_READ_BITS   2000   /* quantity limits of 0x01/0x02 and 0x0F */
#define MB_MAX_WRITE_COILS 1968
#define MB_ADU_MAX         256    /* the longest RTU frame the spec allows */
/* The data of 0x0F/0x10: the byte count is one byte. */
#define MB_DATA_MAX        255
/* The longest request the reader takes: 0x0F/0x10 with 255 data bytes. */
#define MB_REQUEST_MAX     (7 + MB_DATA_MAX + 2)

/* One decoded request.  Only the fields of its function are set; the
 * rest are zero, so two requests compare equal with memcmp (the struct
 * has no padding). */
typedef struct mb_request {
    uint8_t slave;                  /* 0 = broadcast */
    uint8_t function;
    uint16_t address;               /* first coil, input or register */
    union {
        uint16_t count;             /* quantity: 0x01-0x04, 0x0F, 0x10 */
        uint16_t value;             /* value written: 0x05, 0x06 */
    };
    uint8_t bytecount;              /* 0x0F, 0x10: bytes in data */
    uint8_t data[MB_DATA_MAX];      /* 0x0F: coils packed LSB first; 0x10: registers */
} mb_request_t;

/* CRC-16/MODBUS of n bytes (polynomial 0xA001 reflected, init 0xFFFF).
 * On the wire it follows the frame low byte first. */
uint16_t mb_crc16(const uint8_t *p, size_t n);

/* Bit i (0-based, least significant first) of a packed bit field. */
static inline int mb_bit(const uint8_t *bits, unsigned i) { return (bits[i / 8] >> (i % 8)) & 1; }

/* Encoders.  Each writes one whole frame, CRC included, into out and
 * returns its length, or returns 0 and writes nothing when an argument
 * is outside the spec or cap is too small.
 *
 * mb_request_encode writes r as a master would (for tests): any slave
 * 0..MB_MAX_SLAVE and a function the reader frames; for 0x0F/0x10,
 * bytecount bytes of data. */
size_t mb_request_encode(uint8_t *out, size_t cap, const mb_request_t *r);

/* Replies; slave 1..MB_MAX_SLAVE (nobody answers a broadcast).
 *
 * mb_reply_bits: 0x01 or 0x02, count 1..MB_MAX_READ_BITS bits from bits
 * (packed, least significant first); bits beyond count go out as zero. */
size_t mb_reply_bits(uint8_t *out, size_t cap, uint8_t slave, uint8_t function,
                     const uint8_t *bits, unsigned count);
/* The echo that acknowledges a write: 0x05 (value MB_COIL_ON or
 * MB_COIL_OFF), 0x06 (any value), 0x0F (value is the quantity written,
 * 1..MB_MAX_WRITE_COILS). */
size_t mb_reply_echo(uint8_t *out, size_t cap, uint8_t slave, uint8_t function,
                     uint16_t address, uint16_t value);
/* 0x11: byte count, nid id bytes, run indicator (0xFF running, 0x00
 * not), then the firmware text (may be NULL). */
size_t mb_reply_slave_id(uint8_t *out, size_t cap, uint8_t slave, const uint8_t *id, size_t nid,
                         int running, const char *firmware);
/* function | 0x80 and an exception code; function 0x01..0x7F, code not 0. */
size_t mb_reply_exception(uint8_t *out, size_t cap, uint8_t slave, uint8_t function,
                          uint8_t code);

/* A streaming reader of requests.  The bytes of a frame that has begun
 * but not ended wait in buf. */
typedef struct mb_parser {
    size_t len;                  /* bytes waiting in buf */
    uint8_t buf[MB_REQUEST_MAX];
    uint64_t noise_bytes;        /* bytes dropped: not part of any valid frame */
    uint64_t bad_frames;         /* candidates that failed a check */
} mb_parser_t;

void mb_parser_init(mb_parser_t *p);

/* Takes bytes from data until one valid request is complete (returns 1,
 * fills *out) or all len bytes are taken (returns 0); *consumed says how
 * many were taken.  A candidate (a slave address byte onwards) with an
 * unknown function or a bad CRC loses its first byte as noise and the
 * rest is read again; a byte above MB_MAX_SLAVE cannot start a frame and
 * is noise without being a bad frame.  One rescan can find more than one
 * frame: call again with the remaining input (even none) until it
 * returns 0, as with cu_parser_feed. */
int mb_parser_feed(mb_parser_t *p, const uint8_t *data, size_t len, size_t *consumed,
                   mb_request_t *out);

/* The line has gone quiet: the candidate waiting in the parser will
 * never be completed.  It is dropped as a bad frame, and any complete
 * request it held back (a bogus 0x0F header can swallow the next real
 * request) is returned.  Returns 1 with a frame, 0 once the parser is
 * empty; call until 0. */
int mb_parser_flush(mb_parser_t *p, mb_request_t *out);

#endif
