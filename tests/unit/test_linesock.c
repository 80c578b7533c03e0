/* Unit tests for lib/linesock.c's linesock_wait_watch: a daemon's line or
 * the hang-up of the connection the caller works for, whichever comes
 * first (the back office stops a fingerprint operation when the browser
 * leaves). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include "linesock.h"

/* daemon[0] is the client's end of the daemon's socket, daemon[1] the
 * daemon; browser[0] is watched, browser[1] stands for nginx. */
struct pair {
    int daemon[2], browser[2];
    linesock_t s;
};

static int setup(void **state)
{
    static struct pair p;
    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, p.daemon), 0);
    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, p.browser), 0);
    p.s = (linesock_t){ .fd = p.daemon[0], .peer = "test", .max_line = 4096 };
    *state = &p;
    return 0;
}

static int teardown(void **state)
{
    struct pair *p = *state;
    linesock_close(&p->s);
    close(p->daemon[1]);
    close(p->browser[0]);
    if (p->browser[1] >= 0) close(p->browser[1]);
    return 0;
}

static void quiet_until_the_deadline(void **state)
{
    struct pair *p = *state;
    int64_t start = linesock_now_ms();
    assert_int_equal(linesock_wait_watch(&p->s, p->browser[0], start + 60), 0);
    assert_true(linesock_now_ms() - start >= 50);
}

static void hang_up_ends_the_wait_at_once(void **state)
{
    struct pair *p = *state;
    close(p->browser[1]);
    p->browser[1] = -1;
    int64_t start = linesock_now_ms();
    assert_int_equal(linesock_wait_watch(&p->s, p->browser[0], start + 10000), LINESOCK_WATCH_GONE);
    assert_true(linesock_now_ms() - start < 1000);
}

static void data_on_the_watched_connection_is_no_hang_up(void **state)
{
    struct pair *p = *state;
    assert_int_equal(write(p->browser[1], "x", 1), 1);
    assert_int_equal(linesock_wait_watch(&p->s, p->browser[0], linesock_now_ms() + 50), 0);
}

static void a_line_from_the_daemon(void **state)
{
    struct pair *p = *state;
    assert_int_equal(write(p->daemon[1], "one\ntwo\n", 8), 8);
    assert_int_equal(linesock_wait_watch(&p->s, p->browser[0], linesock_now_ms() + 1000), 1);
    char *line, err[128];
    size_t len;
    assert_int_equal(linesock_read(&p->s, linesock_now_ms() + 1000, &line, &len, err, sizeof err), LINESOCK_LINE);
    assert_string_equal(line, "one");
    /* The second line came in the same read and waits in the buffer: ready
     * though nothing more is on the socket. */
    assert_int_equal(linesock_wait_watch(&p->s, p->browser[0], linesock_now_ms()), 1);
    assert_int_equal(linesock_read(&p->s, linesock_now_ms() + 1000, &line, &len, err, sizeof err), LINESOCK_LINE);
    assert_string_equal(line, "two");
}

/* The daemon side's output queue: lines kept in order, each with its
 * newline, the buffer grown past its first size. */
static void queued_lines_keep_their_order(void **state)
{
    (void)state;
    char *buf = NULL;
    size_t len = 0, cap = 0;
    assert_int_equal(linesock_queue_line(&buf, &len, &cap, "{\"ok\":true}", 11), 0);
    char big[3000];
    memset(big, 'x', sizeof big);
    assert_int_equal(linesock_queue_line(&buf, &len, &cap, big, sizeof big), 0);
    assert_int_equal(len, 12 + sizeof big + 1);
    assert_true(cap >= len);
    assert_memory_equal(buf, "{\"ok\":true}\nxxx", 15);
    assert_int_equal(buf[len - 1], '\n');
    free(buf);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(quiet_until_the_deadline, setup, teardown),
        cmocka_unit_test_setup_teardown(hang_up_ends_the_wait_at_once, setup, teardown),
        cmocka_unit_test_setup_teardown(data_on_the_watched_connection_is_no_hang_up, setup, teardown),
        cmocka_unit_test_setup_teardown(a_line_from_the_daemon, setup, teardown),
        cmocka_unit_test(queued_lines_keep_their_order),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
