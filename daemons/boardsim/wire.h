/* What boardsim puts on the line, and when.  Replies are scheduled (a
 * late board answers later; in split mode a reply goes out in pieces
 * with gaps between), pieces that fall due are queued for the pty, and
 * the pty takes them when it can.  Nothing here ever blocks. */
#ifndef BOARDSIM_WIRE_H
#define BOARDSIM_WIRE_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define WIRE_PIECE_MAX 64        /* the longest reply a simulated board sends */
#define WIRE_QUEUE_MAX 1024      /* scheduled pieces */
#define WIRE_TX_MAX    65536     /* bytes due that the pty has not taken yet */

typedef struct wire_piece {
    int64_t at;                  /* CLOCK_MONOTONIC ms */
    size_t len;
    uint8_t bytes[WIRE_PIECE_MAX];
} wire_piece_t;

typedef struct wire {
    int fd;                      /* the pty master */
    unsigned chunk;              /* split replies into pieces of this many bytes; 0 = don't */
    unsigned gap_ms;             /* between the pieces */
    wire_piece_t queue[WIRE_QUEUE_MAX];   /* by time; in order of scheduling among equals */
    size_t queued;
    uint8_t tx[WIRE_TX_MAX];
    size_t txlen;
    uint64_t dropped;            /* bytes thrown away for want of room ("state" reports it) */
} wire_t;

void wire_init(wire_t *w, int fd);

/* Schedules a reply (at most WIRE_PIECE_MAX bytes) to go out at `at`,
 * cut into pieces when split is on. */
void wire_send(wire_t *w, const uint8_t *bytes, size_t len, int64_t at);

/* Queues bytes to go out now, unsplit.  Returns 0, or -1 when there is
 * no room (nothing is queued then). */
int wire_put(wire_t *w, const uint8_t *bytes, size_t len);

/* Forgets every reply scheduled or waiting for the pty, without counting
 * them as dropped: after a reset nothing from before may reach the line.
 * Bytes the pty has already taken are on the line and stay there. */
void wire_discard(wire_t *w);

/* Moves the pieces due by now to the pty and writes what it takes. */
void wire_run(wire_t *w, int64_t now);

/* When the next piece falls due, or 0 when none is scheduled. */
int64_t wire_next_due(const wire_t *w);

/* Bytes are waiting for the pty to take them (poll for POLLOUT). */
static inline bool wire_blocked(const wire_t *w) { return w->txlen > 0; }

#endif
