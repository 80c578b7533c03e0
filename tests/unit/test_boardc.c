/* Unit tests for lib/boardc.c: the open request, reply parsing, and the
 * socket exchange against a fake boardd in a child process (every way an
 * answer can fail to come is told apart from a refusal). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "boardc.h"

/* ---------- pure parts ---------- */

static void command_ids(void **state)
{
    (void)state;
    char long_id[80];
    memset(long_id, 'a', 64);
    long_id[64] = '\0';
    assert_true(boardc_valid_command_id("bo-7f3a"));
    assert_true(boardc_valid_command_id("x"));
    assert_true(boardc_valid_command_id(long_id));
    long_id[64] = 'a';
    long_id[65] = '\0';
    assert_false(boardc_valid_command_id(long_id));
    assert_false(boardc_valid_command_id(""));
    assert_false(boardc_valid_command_id(NULL));
    assert_false(boardc_valid_command_id("bo-\n1"));
    assert_false(boardc_valid_command_id("bo-\x7f"));
    assert_false(boardc_valid_command_id("bo-\xc3\xa9"));
}

static void outcomes(void **state)
{
    (void)state;
    const char *good[] = { "opened", "acknowledged", "jammed", "no_answer", "expired", "unknown", "refused" };
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) assert_true(boardc_known_outcome(good[i]));
    assert_false(boardc_known_outcome("queued"));
    assert_false(boardc_known_outcome("firing"));
    assert_false(boardc_known_outcome("Opened"));
    assert_false(boardc_known_outcome(NULL));
}

static void open_request(void **state)
{
    (void)state;
    char err[128];
    boardc_open_req_t q = { .cell_id = 42, .command_id = "bo-7f3a", .expires_ms = 1795000000000LL,
                            .reason = "customer lost receipt", .actor = "staff:alice" };
    json_t *j = boardc_open_request(&q, err, sizeof err);
    assert_non_null(j);
    char *text = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
    assert_string_equal(text, "{\"actor\":\"staff:alice\",\"cell\":42,\"command_id\":\"bo-7f3a\","
                              "\"expires_ms\":1795000000000,\"op\":\"open\",\"reason\":\"customer lost receipt\"}");
    free(text);
    json_decref(j);

    char big[300];
    memset(big, 'r', 256);
    big[256] = '\0';
    boardc_open_req_t bad[] = { q, q, q, q, q, q, q };
    bad[0].cell_id = 0;
    bad[1].command_id = "";
    bad[2].expires_ms = 0;
    bad[3].reason = "";
    bad[4].reason = big;
    bad[5].actor = "";
    bad[6].actor = big;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        err[0] = '\0';
        assert_null(boardc_open_request(&bad[i], err, sizeof err));
        assert_true(strlen(err) > 0);
    }
    big[255] = '\0';
    q.reason = big;            /* 255 bytes: the limit itself */
    j = boardc_open_request(&q, err, sizeof err);
    assert_non_null(j);
    json_decref(j);
}

static int parse(const char *line, json_t **reply, char *err, size_t errlen)
{
    return boardc_parse_reply(line, strlen(line), reply, err, errlen);
}

static void replies(void **state)
{
    (void)state;
    char err[256];
    json_t *j;
    assert_int_equal(parse("{\"ok\":true,\"buses\":2}", &j, err, sizeof err), BOARDC_OK);
    assert_int_equal(json_integer_value(json_object_get(j, "buses")), 2);
    json_decref(j);
    assert_int_equal(parse("{\"ok\":true}\r", &j, err, sizeof err), BOARDC_OK);
    json_decref(j);

    assert_int_equal(parse("{\"ok\":false,\"error\":\"unknown_cell\",\"message\":\"no lock for cell 9\"}", &j, err,
                           sizeof err), BOARDC_REFUSED);
    assert_non_null(j);
    assert_string_equal(err, "unknown_cell: no lock for cell 9");
    json_decref(j);
    assert_int_equal(parse("{\"ok\":false}", &j, err, sizeof err), BOARDC_REFUSED);
    assert_string_equal(err, "error: ");
    json_decref(j);

    const char *bad[] = { "", "not json", "[1,2]", "{}", "{\"ok\":1}", "{\"ok\":\"true\"}", "{\"ok\":null}",
                          "{\"ok\":true,\"ok\":false}", "{\"ok\":true} trailing", "\"ok\"" };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        j = (json_t *)1;
        assert_int_equal(parse(bad[i], &j, err, sizeof err), BOARDC_BAD_REPLY);
        assert_null(j);
    }
}

static json_t *loads(const char *s)
{
    json_t *j = json_loads(s, 0, NULL);
    assert_non_null(j);
    return j;
}

static void open_replies(void **state)
{
    (void)state;
    char err[256];
    boardc_result_t res;
    json_t *j = loads("{\"ok\":true,\"command_id\":\"bo-1\",\"outcome\":\"opened\",\"replayed\":false,\"detail\":\"\","
                      "\"queued_ms\":0.4,\"fired_ms\":1.9,\"answered_ms\":4,\"finished_ms\":31.5}");
    assert_int_equal(boardc_parse_open(j, "bo-1", &res, err, sizeof err), BOARDC_OK);
    assert_string_equal(res.command_id, "bo-1");
    assert_string_equal(res.outcome, "opened");
    assert_false(res.replayed);
    assert_string_equal(res.detail, "");
    assert_true(res.queued_ms > 0.39 && res.queued_ms < 0.41);
    assert_true(res.answered_ms > 3.99 && res.answered_ms < 4.01);
    assert_true(res.finished_ms > 31.4 && res.finished_ms < 31.6);
    /* Another command's answer is a desynchronised line, never this command's outcome. */
    assert_int_equal(boardc_parse_open(j, "bo-2", &res, err, sizeof err), BOARDC_BAD_REPLY);
    json_decref(j);

    j = loads("{\"ok\":true,\"command_id\":\"bo-1\",\"outcome\":\"jammed\",\"replayed\":true,\"detail\":null}");
    assert_int_equal(boardc_parse_open(j, "bo-1", &res, err, sizeof err), BOARDC_OK);
    assert_true(res.replayed);
    assert_string_equal(res.outcome, "jammed");
    assert_true(res.fired_ms < 0);         /* absent figures read -1 */
    json_decref(j);

    const char *bad[] = {
        "{\"ok\":true,\"outcome\":\"opened\"}",
        "{\"ok\":true,\"command_id\":\"bo-1\"}",
        "{\"ok\":true,\"command_id\":\"bo-1\",\"outcome\":\"queued\"}",
        "{\"ok\":true,\"command_id\":\"bo-1\",\"outcome\":\"opened\",\"replayed\":\"no\"}",
        "{\"ok\":true,\"command_id\":\"bo-1\",\"outcome\":\"opened\",\"detail\":5}",
        "{\"ok\":true,\"command_id\":7,\"outcome\":\"opened\"}",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        j = loads(bad[i]);
        assert_int_equal(boardc_parse_open(j, "bo-1", &res, err, sizeof err), BOARDC_BAD_REPLY);
        json_decref(j);
    }
    /* A long detail is cut, not overrun. */
    char longer[700];
    snprintf(longer, sizeof longer, "{\"command_id\":\"bo-1\",\"outcome\":\"refused\",\"detail\":\"%0400d\"}", 0);
    j = loads(longer);
    assert_int_equal(boardc_parse_open(j, "bo-1", &res, err, sizeof err), BOARDC_OK);
    assert_int_equal(strlen(res.detail), sizeof res.detail - 1);
    json_decref(j);
}

static void socket_path(void **state)
{
    (void)state;
    char dir[] = "/tmp/boardc-cfg-XXXXXX", file[128], out[256];
    assert_non_null(mkdtemp(dir));
    snprintf(file, sizeof file, "%s/a.hdf", dir);
    FILE *f = fopen(file, "w");
    fputs("Paths.Var = /srv/sr\n", f);
    fclose(f);
    char err[256];
    config_t *c = config_load(file, err, sizeof err);
    assert_non_null(c);
    assert_int_equal(boardc_socket_path(c, out, sizeof out), 0);
    assert_string_equal(out, "/srv/sr/run/boardd.sock");
    char tiny[8];
    assert_int_equal(boardc_socket_path(c, tiny, sizeof tiny), -1);
    config_free(c);
    f = fopen(file, "w");
    fputs("Paths.Var = /srv/sr\nBoardd.Socket = /run/strongroom/boardd.sock\n", f);
    fclose(f);
    c = config_load(file, err, sizeof err);
    assert_int_equal(boardc_socket_path(c, out, sizeof out), 0);
    assert_string_equal(out, "/run/strongroom/boardd.sock");
    config_free(c);
    unlink(file);
    rmdir(dir);
}

/* ---------- the socket, against a fake boardd ---------- */

enum fake { ANSWER, ANSWER_IN_PIECES, SILENT, HANG_UP, GARBAGE, NO_ACCEPT };

struct fake_boardd {
    char dir[40], path[80];
    pid_t pid;
    int listener;
};

/* Serves one connection: reads the request line and answers as told. */
static void serve(int lfd, enum fake how, const char *answer)
{
    if (how == NO_ACCEPT) { pause(); _exit(0); }
    int fd = accept(lfd, NULL, NULL);
    if (fd < 0) _exit(1);
    char buf[8192];
    size_t n = 0;
    while (n < sizeof buf - 1) {
        ssize_t got = read(fd, buf + n, sizeof buf - 1 - n);
        if (got <= 0) _exit(1);
        n += (size_t)got;
        if (memchr(buf, '\n', n)) break;
    }
    if (how == SILENT) { pause(); _exit(0); }
    if (how == HANG_UP) { close(fd); _exit(0); }
    if (how == GARBAGE) answer = "this is not json\n";
    size_t len = strlen(answer);
    if (how == ANSWER_IN_PIECES) {
        for (size_t i = 0; i < len; i++) {
            if (write(fd, answer + i, 1) != 1) _exit(1);
            if (i % 7 == 0) usleep(2000);
        }
    } else if (write(fd, answer, len) != (ssize_t)len) {
        _exit(1);
    }
    usleep(100000);
    close(fd);
    _exit(0);
}

static void fake_start(struct fake_boardd *f, enum fake how, const char *answer)
{
    snprintf(f->dir, sizeof f->dir, "/tmp/boardc-test-XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    snprintf(f->path, sizeof f->path, "%s/boardd.sock", f->dir);
    f->listener = socket(AF_UNIX, SOCK_STREAM, 0);
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    snprintf(sa.sun_path, sizeof sa.sun_path, "%s", f->path);
    assert_int_equal(bind(f->listener, (struct sockaddr *)&sa, sizeof sa), 0);
    assert_int_equal(listen(f->listener, 4), 0);
    f->pid = fork();
    assert_true(f->pid >= 0);
    if (f->pid == 0) serve(f->listener, how, answer);
}

static void fake_stop(struct fake_boardd *f)
{
    kill(f->pid, SIGKILL);
    waitpid(f->pid, NULL, 0);
    close(f->listener);
    unlink(f->path);
    rmdir(f->dir);
}

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static const boardc_open_req_t REQ = { .cell_id = 7, .command_id = "bo-00112233445566778899aabbccddeeff",
                                       .expires_ms = 1795000000000LL, .reason = "test", .actor = "staff:t" };

static void no_boardd_is_unreachable(void **state)
{
    (void)state;
    char err[256];
    boardc_result_t res;
    int64_t t0 = mono_ms();
    assert_int_equal(boardc_open("/tmp/no-such-dir-for-boardc/boardd.sock", &REQ, 5000, &res, err, sizeof err),
                     BOARDC_UNREACHABLE);
    assert_true(mono_ms() - t0 < 1000);
    assert_non_null(strstr(err, "not reachable"));
    /* A socket file nobody listens on. */
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    snprintf(sa.sun_path, sizeof sa.sun_path, "/tmp/boardc-stale-%d.sock", (int)getpid());
    assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof sa), 0);
    close(fd);                                   /* bound, never listened: connect is refused */
    json_t *reply = (json_t *)1;
    json_t *q = json_pack("{s:s}", "op", "status");
    assert_int_equal(boardc_call(sa.sun_path, q, 2000, &reply, err, sizeof err), BOARDC_UNREACHABLE);
    assert_null(reply);
    json_decref(q);
    unlink(sa.sun_path);
    char longpath[200];
    memset(longpath, 'p', sizeof longpath - 1);
    longpath[0] = '/';
    longpath[sizeof longpath - 1] = '\0';
    assert_int_equal(boardc_open(longpath, &REQ, 1000, &res, err, sizeof err), BOARDC_UNREACHABLE);
}

static void an_answer_is_read(void **state)
{
    (void)state;
    char err[256];
    boardc_result_t res;
    for (int pieces = 0; pieces < 2; pieces++) {
        struct fake_boardd f = { 0 };
        fake_start(&f, pieces ? ANSWER_IN_PIECES : ANSWER,
                   "{\"ok\":true,\"command_id\":\"bo-00112233445566778899aabbccddeeff\",\"outcome\":\"acknowledged\","
                   "\"replayed\":true,\"detail\":\"no sensor\",\"fired_ms\":2.5}\n");
        assert_int_equal(boardc_open(f.path, &REQ, 5000, &res, err, sizeof err), BOARDC_OK);
        assert_string_equal(res.outcome, "acknowledged");
        assert_true(res.replayed);
        assert_string_equal(res.detail, "no sensor");
        fake_stop(&f);
    }
    struct fake_boardd f = { 0 };
    fake_start(&f, ANSWER, "{\"ok\":true,\"buses\":[{\"id\":1,\"open\":true,\"queue\":0}]}\n");
    json_t *q = json_pack("{s:s}", "op", "status"), *reply = NULL;
    assert_int_equal(boardc_call(f.path, q, 5000, &reply, err, sizeof err), BOARDC_OK);
    assert_int_equal(json_array_size(json_object_get(reply, "buses")), 1);
    json_decref(reply);
    json_decref(q);
    fake_stop(&f);
}

static void a_refusal_is_told_apart(void **state)
{
    (void)state;
    char err[256];
    boardc_result_t res;
    struct fake_boardd f = { 0 };
    fake_start(&f, ANSWER, "{\"ok\":false,\"error\":\"unknown_cell\",\"message\":\"cell 7 has no lock\"}\n");
    assert_int_equal(boardc_open(f.path, &REQ, 5000, &res, err, sizeof err), BOARDC_REFUSED);
    assert_string_equal(res.error, "unknown_cell");
    assert_string_equal(err, "unknown_cell: cell 7 has no lock");
    fake_stop(&f);
    fake_start(&f, ANSWER, "{\"ok\":false,\"error\":\"bad_request\",\"message\":\"unknown op\"}\n");
    json_t *q = json_pack("{s:s}", "op", "nonsense"), *reply = (json_t *)1;
    assert_int_equal(boardc_call(f.path, q, 5000, &reply, err, sizeof err), BOARDC_REFUSED);
    assert_null(reply);
    assert_string_equal(err, "bad_request: unknown op");
    json_decref(q);
    fake_stop(&f);
}

static void silence_and_hang_ups_are_no_reply(void **state)
{
    (void)state;
    char err[256];
    boardc_result_t res;
    struct fake_boardd f = { 0 };
    fake_start(&f, SILENT, NULL);
    int64_t t0 = mono_ms();
    assert_int_equal(boardc_open(f.path, &REQ, 300, &res, err, sizeof err), BOARDC_NO_REPLY);
    int64_t took = mono_ms() - t0;
    assert_true(took >= 250 && took < 2000);
    assert_non_null(strstr(err, "in time"));
    fake_stop(&f);
    fake_start(&f, HANG_UP, NULL);
    assert_int_equal(boardc_open(f.path, &REQ, 5000, &res, err, sizeof err), BOARDC_NO_REPLY);
    assert_non_null(strstr(err, "closed"));
    fake_stop(&f);
    fake_start(&f, GARBAGE, NULL);
    assert_int_equal(boardc_open(f.path, &REQ, 5000, &res, err, sizeof err), BOARDC_BAD_REPLY);
    fake_stop(&f);
    /* Listening but never accepting: the request still fits the socket's
     * buffer, so the fate of the command is as unknown as with silence. */
    fake_start(&f, NO_ACCEPT, NULL);
    t0 = mono_ms();
    int rc = boardc_open(f.path, &REQ, 300, &res, err, sizeof err);
    assert_true(rc == BOARDC_NO_REPLY || rc == BOARDC_UNREACHABLE);
    assert_true(mono_ms() - t0 < 2000);
    fake_stop(&f);
}

static void bad_requests_send_nothing(void **state)
{
    (void)state;
    char err[256];
    boardc_result_t res;
    boardc_open_req_t q = REQ;
    q.reason = "";
    /* No socket is even tried: the path does not matter. */
    assert_int_equal(boardc_open("/nonexistent", &q, 100, &res, err, sizeof err), BOARDC_BAD_REQUEST);
    json_t *arr = json_array(), *reply;
    assert_int_equal(boardc_call("/nonexistent", arr, 100, &reply, err, sizeof err), BOARDC_BAD_REQUEST);
    json_decref(arr);
    assert_string_equal(boardc_status_name(BOARDC_UNREACHABLE), "unreachable");
    assert_string_equal(boardc_status_name(BOARDC_NO_REPLY), "no_reply");
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(command_ids),
        cmocka_unit_test(outcomes),
        cmocka_unit_test(open_request),
        cmocka_unit_test(replies),
        cmocka_unit_test(open_replies),
        cmocka_unit_test(socket_path),
        cmocka_unit_test(no_boardd_is_unreachable),
        cmocka_unit_test(an_answer_is_read),
        cmocka_unit_test(a_refusal_is_told_apart),
        cmocka_unit_test(silence_and_hang_ups_are_no_reply),
        cmocka_unit_test(bad_requests_send_nothing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
