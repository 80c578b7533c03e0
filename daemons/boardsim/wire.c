/* The line's output schedule; see wire.h.
 *
 * When the client stops reading, the pty's buffer fills and then ours;
 * after that bytes are dropped (and counted), as they would be lost on a
 * real line nobody listens to. */
#include "wire.h"
#include <errno.h>
#include <string.h>
#include <unistd.h>

void wire_init(wire_t *w, int fd)
{
    memset(w, 0, sizeof *w);
    w->fd = fd;
}

/* Inserts one piece after every piece due at or before it, so pieces of
 * one reply, and replies due at the same moment, keep their order. */
static void schedule(wire_t *w, const uint8_t *bytes, size_t len, int64_t at)
{
    if (w->queued == WIRE_QUEUE_MAX || len > WIRE_PIECE_MAX) {
        w->dropped += len;
        return;
    }
    size_t i = w->queued;
    while (i > 0 && w->queue[i - 1].at > at) i--;
    memmove(&w->queue[i + 1], &w->queue[i], (w->queued - i) * sizeof w->queue[0]);
    w->queue[i].at = at;
    w->queue[i].len = len;
    memcpy(w->queue[i].bytes, bytes, len);
    w->queued++;
}

void wire_send(wire_t *w, const uint8_t *bytes, size_t len, int64_t at)
{
    size_t piece = w->chunk ? w->chunk : len;
    for (size_t off = 0; off < len; off += piece, at += w->gap_ms)
        schedule(w, bytes + off, len - off < piece ? len - off : piece, at);
}

int wire_put(wire_t *w, const uint8_t *bytes, size_t len)
{
    if (len > WIRE_TX_MAX - w->txlen) return -1;
    memcpy(w->tx + w->txlen, bytes, len);
    w->txlen += len;
    return 0;
}

void wire_discard(wire_t *w)
{
    w->queued = 0;
    w->txlen = 0;
}

void wire_run(wire_t *w, int64_t now)
{
    size_t due = 0;
    while (due < w->queued && w->queue[due].at <= now) {
        if (wire_put(w, w->queue[due].bytes, w->queue[due].len)) w->dropped += w->queue[due].len;
        due++;
    }
    memmove(&w->queue[0], &w->queue[due], (w->queued - due) * sizeof w->queue[0]);
    w->queued -= due;

    size_t sent = 0;
    while (sent < w->txlen) {
        ssize_t n = write(w->fd, w->tx + sent, w->txlen - sent);
        if (n > 0) {
            sent += (size_t)n;
        } else if (n < 0 && errno == EINTR) {
            continue;
        } else {
            /* EAGAIN: the pty is full, poll says when it has room.  Any
             * other error would repeat forever: the bytes are lost. */
            if (n < 0 && errno != EAGAIN) {
                w->dropped += w->txlen - sent;
                sent = w->txlen;
            }
            break;
        }
    }
    memmove(w->tx, w->tx + sent, w->txlen - sent);
    w->txlen -= sent;
}

int64_t wire_next_due(const wire_t *w)
{
    return w->queued ? w->queue[0].at : 0;
}
