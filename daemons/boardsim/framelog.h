/* The requests boardsim read off the line, the last FRAMELOG_SIZE of
 * them, for the control socket's "log" op: tests count unlock frames
 * with it and the benchmark takes t_us as the moment a frame was on the
 * wire. */
#ifndef BOARDSIM_FRAMELOG_H
#define BOARDSIM_FRAMELOG_H
#include <stdint.h>

#define FRAMELOG_SIZE 4096

typedef struct frame_entry {
    uint64_t seq;                /* 0, 1, 2, ... over the life of the process */
    int64_t t_us;                /* CLOCK_REALTIME when the request's last byte was read */
    unsigned board;              /* the address it was sent to */
    unsigned lock;               /* the lock or channel it names; 0 for none */
    char cmd[12];                /* "unlock", "read_one", ..., "fc01" ... */
} frame_entry_t;

typedef struct framelog {
    frame_entry_t ring[FRAMELOG_SIZE];
    uint64_t next;               /* the seq the next entry gets */
} framelog_t;

void framelog_add(framelog_t *l, int64_t t_us, unsigned board, const char *cmd, unsigned lock);

/* The oldest seq still in the ring. */
uint64_t framelog_oldest(const framelog_t *l);

/* The entry with this seq, or NULL when it is not (or no longer) kept. */
const frame_entry_t *framelog_get(const framelog_t *l, uint64_t seq);

#endif
