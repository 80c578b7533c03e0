/* The parts of a simulated bus both protocols share; see sim.h. */
#include "sim.h"
#include <string.h>
#include <time.h>

int64_t sim_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t sim_wall_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

void sim_init(sim_t *s, const proto_t *proto, int line_fd)
{
    s->proto = proto;
    wire_init(&s->wire, line_fd);
    memset(&s->log, 0, sizeof s->log);
    cu_parser_init(&s->cu, 0);
    mb_parser_init(&s->mb);
    s->quiet_at = 0;
    s->last_t_us = 0;
}

void sim_input(sim_t *s, const uint8_t *data, size_t len, int64_t now, int64_t t_us)
{
    /* A door due to close by now must read closed to this request. */
    model_tick(&s->model, now);
    s->last_t_us = t_us;
    s->proto->input(s, data, len, now, t_us);
    s->quiet_at = s->proto->waiting(s) ? now + SIM_QUIET_MS : 0;
    wire_run(&s->wire, now);
}

void sim_tick(sim_t *s, int64_t now)
{
    if (s->quiet_at && now >= s->quiet_at) {
        s->quiet_at = 0;
        /* What the flush recovers was on the wire when the last bytes were
         * read, not now (SIM_QUIET_MS later): the log says so. */
        s->proto->quiet(s, now, s->last_t_us);
    }
    model_tick(&s->model, now);
    wire_run(&s->wire, now);
}

int64_t sim_next_due(const sim_t *s)
{
    return earlier(earlier(s->quiet_at, model_next_due(&s->model)), wire_next_due(&s->wire));
}

board_t *sim_request(sim_t *s, unsigned address, const char *cmd, unsigned lock, int64_t t_us)
{
    framelog_add(&s->log, t_us, address, cmd, lock);
    board_t *b = model_board(&s->model, address);
    return b && !b->silent ? b : NULL;
}

void sim_reply(sim_t *s, board_t *b, uint8_t *frame, size_t len, int64_t now)
{
    if (b->corrupt) {
        b->corrupt--;
        frame[len - 1] ^= 0xFF;
    }
    wire_send(&s->wire, frame, len, now + b->late_ms);
}
