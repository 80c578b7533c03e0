/* One simulated bus: its boards (model.h), its line (wire.h), the log of
 * requests (framelog.h) and the protocol the boards speak.  A protocol
 * (cu.c, modbus.c) reads requests from the line's bytes and answers them
 * through sim_request and sim_reply, where the faults the control socket
 * sets (silent, corrupt, late) are applied the same way for both. */
#ifndef BOARDSIM_SIM_H
#define BOARDSIM_SIM_H
#include <stddef.h>
#include <stdint.h>

#include "cu_frame.h"
#include "framelog.h"
#include "mb_frame.h"
#include "model.h"
#include "wire.h"

/* A request cut short is dropped after the line has been quiet this
 * long: longer than any pause inside one write from a client, shorter
 * than boardd's reply timeout. */
#define SIM_QUIET_MS 20

typedef struct sim sim_t;

typedef struct proto {
    const char *name;
    /* Bytes read off the line; t_us is when they were read. */
    void (*input)(sim_t *s, const uint8_t *data, size_t len, int64_t now, int64_t t_us);
    /* The line went quiet: drop the unfinished request, answer what it hid;
     * t_us is when the last bytes were read. */
    void (*quiet)(sim_t *s, int64_t now, int64_t t_us);
    /* Bytes of an unfinished request waiting in the parser. */
    size_t (*waiting)(const sim_t *s);
} proto_t;

extern const proto_t proto_cu, proto_modbus;

struct sim {
    const proto_t *proto;
    model_t model;
    wire_t wire;
    framelog_t log;
    cu_parser_t cu;              /* the parser of the protocol in use */
    mb_parser_t mb;
    int64_t quiet_at;            /* flush the parser then; 0 = nothing waiting */
    int64_t last_t_us;           /* when the line's last bytes were read (CLOCK_REALTIME) */
};

/* The clocks: CLOCK_MONOTONIC ms for timers, CLOCK_REALTIME µs for the log. */
int64_t sim_now_ms(void);
int64_t sim_wall_us(void);

void sim_init(sim_t *s, const proto_t *proto, int line_fd);

/* Bytes from the line. */
void sim_input(sim_t *s, const uint8_t *data, size_t len, int64_t now, int64_t t_us);
/* Runs whatever is due by now: quiet line, doors, relays, output. */
void sim_tick(sim_t *s, int64_t now);
/* When something is next due, or 0. */
int64_t sim_next_due(const sim_t *s);

/* A request came in for address: logs it, and returns the board that is
 * to act on it, or NULL (no board there, or it is silent). */
board_t *sim_request(sim_t *s, unsigned address, const char *cmd, unsigned lock, int64_t t_us);

/* Sends board b's reply (its last byte is the checksum or the CRC's high
 * byte), spoiled or delayed as the board's faults say. */
void sim_reply(sim_t *s, board_t *b, uint8_t *frame, size_t len, int64_t now);

#endif
