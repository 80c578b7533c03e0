/* boardsim: one process simulates one RS-485 bus of lock-control boards
 * of one protocol on a pseudo-terminal, speaking the real bytes, so that
 * boardd and the tests meet the same frames as on site.  A control
 * socket lets tests break boards, work doors by hand and read back every
 * request.  This file reads the options, sets up, and runs the single
 * poll() loop that serves the line, the control clients and the timers.
 *
 *   boardsim --protocol cu|modbus --link PATH --boards SPEC --control SOCK
 *            [--open-delay-ms N] [--close-after-ms N]
 *
 * There is no --baud: a pty has no line speed to keep to, so boardsim
 * answers as fast as it reads.
 */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "control.h"
#include "log.h"
#include "pty.h"
#include "sim.h"

typedef struct options {
    const proto_t *proto;
    const char *link, *spec, *control;
    unsigned open_delay_ms, close_after_ms;
} options_t;

static void usage(void)
{
    fputs("usage: boardsim --protocol cu|modbus --link PATH --boards SPEC --control SOCKPATH\n"
          "                [--open-delay-ms N] [--close-after-ms N]\n"
          "  SPEC: ADDR:CHANNELS[:FLAGS],...  flags: s door sensors (default), n none,\n"
          "        o occupancy sensors (cu), p plain relay without pulse registers (modbus)\n",
          stderr);
}

static int parse_uint(const char *text, unsigned max, unsigned *out)
{
    char *end;
    errno = 0;
    unsigned long v = strtoul(text, &end, 10);
    if (errno || end == text || *end || text[0] == '-' || v > max) return -1;
    *out = (unsigned)v;
    return 0;
}

/* Returns 0, or -1 after saying what is wrong.  Like boardd's usage
 * errors these are bare lines on stderr, not log lines: they are for the
 * person who typed the command. */
static int parse_options(int argc, char **argv, options_t *o)
{
    static const struct option longopts[] = {
        { "protocol", required_argument, NULL, 'p' },
        { "link", required_argument, NULL, 'l' },
        { "boards", required_argument, NULL, 'b' },
        { "control", required_argument, NULL, 'c' },
        { "open-delay-ms", required_argument, NULL, 'o' },
        { "close-after-ms", required_argument, NULL, 'a' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    *o = (options_t){ .close_after_ms = 3000 };
    int ch;
    while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        switch (ch) {
        case 'p':
            o->proto = strcmp(optarg, "cu") == 0       ? &proto_cu
                       : strcmp(optarg, "modbus") == 0 ? &proto_modbus
                                                       : NULL;
            if (!o->proto) {
                fprintf(stderr, "boardsim: --protocol is cu or modbus\n");
                return -1;
            }
            break;
        case 'l': o->link = optarg; break;
        case 'b': o->spec = optarg; break;
        case 'c': o->control = optarg; break;
        case 'o':
        case 'a': {
            unsigned *v = ch == 'o' ? &o->open_delay_ms : &o->close_after_ms;
            if (parse_uint(optarg, 3600000, v)) {
                fprintf(stderr, "boardsim: bad number '%s'\n", optarg);
                return -1;
            }
            break;
        }
        default:
            usage();
            return -1;
        }
    }
    if (optind < argc || !o->proto || !o->link || !o->spec || !o->control) {
        usage();
        return -1;
    }
    return 0;
}

/* Takes everything the line has for us. */
static void read_line(sim_t *s, int fd)
{
    uint8_t buf[4096];
    for (;;) {
        ssize_t n = read(fd, buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return;   /* EAGAIN; the slave is held open, so no EIO */
        sim_input(s, buf, (size_t)n, sim_now_ms(), sim_wall_us());
    }
}

/* The loop: runs until SIGTERM or SIGINT arrives on sigfd. */
static int serve(sim_t *s, const pty_t *pty, control_t *ctl, int sigfd)
{
    struct pollfd pfd[2 + 1 + CONTROL_CLIENTS];
    for (;;) {
        int64_t now = sim_now_ms();
        sim_tick(s, now);

        pfd[0] = (struct pollfd){ .fd = sigfd, .events = POLLIN };
        pfd[1] = (struct pollfd){ .fd = pty->master,
                                  .events = (short)(POLLIN | (wire_blocked(&s->wire) ? POLLOUT : 0)) };
        size_t n = 2 + control_pollfds(ctl, pfd + 2, now);
        int64_t due = earlier(sim_next_due(s), control_next_due(ctl));
        int timeout = due ? (int)(due > now ? due - now : 0) : -1;
        if (poll(pfd, n, timeout) < 0) {
            if (errno == EINTR) continue;
            log_error("poll: %s", strerror(errno));
            return -1;
        }
        if (pfd[0].revents) return 0;
        if (pfd[1].revents & POLLIN) read_line(s, pty->master);
        if (pfd[1].revents & POLLOUT) wire_run(&s->wire, sim_now_ms());
        control_handle(ctl, pfd + 2, n - 2, s, sim_now_ms());
    }
}

int main(int argc, char **argv)
{
    options_t o;
    if (parse_options(argc, argv, &o)) return 2;
    log_init("boardsim", "info");

    sim_t *s = calloc(1, sizeof *s);
    char err[256];
    if (!s) {
        log_error("out of memory");
        return 1;
    }
    if (model_parse(&s->model, o.spec, o.proto == &proto_modbus, err, sizeof err)) {
        fprintf(stderr, "boardsim: %s\n", err);    /* a bad --boards: usage error */
        free(s);
        return 2;
    }
    s->model.open_delay_ms = o.open_delay_ms;
    s->model.close_after_ms = o.close_after_ms;

    /* Signals arrive as readable bytes, so the loop needs no global flag. */
    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGTERM);
    sigaddset(&stop, SIGINT);
    sigprocmask(SIG_BLOCK, &stop, NULL);
    signal(SIGPIPE, SIG_IGN);
    int sigfd = signalfd(-1, &stop, SFD_CLOEXEC);

    pty_t pty;
    control_t ctl;
    int rc = 1;
    if (sigfd < 0) {
        log_error("signalfd: %s", strerror(errno));
    } else if (pty_open(&pty, o.link, err, sizeof err)) {
        log_error("%s", err);
    } else {
        if (control_open(&ctl, o.control, err, sizeof err)) {
            log_error("%s", err);
        } else {
            sim_init(s, o.proto, pty.master);
            log_info("%s bus on %s (%s), boards %s", o.proto->name, o.link, pty.name, o.spec);
            rc = serve(s, &pty, &ctl, sigfd) ? 1 : 0;
            control_close(&ctl);
        }
        pty_close(&pty);
    }
    if (sigfd >= 0) close(sigfd);
    free(s);
    return rc;
}
