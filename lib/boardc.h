/* The client of boardd's UNIX socket (docs/boards.md §4): one JSON object
 * per line each way.  Each call opens its own connection, sends one
 * request, reads one reply and closes: a web worker holds no connection
 * between requests, so a restarted boardd is simply found again.
 *
 * Callers must be able to tell an operator three different things, so
 * the failures are kept apart: boardd is not there at all (nothing was
 * sent, nothing can have happened), boardd took the request but no reply
 * came (the command's fate is unknown: look at its row later), and boardd
 * answered with a refusal (its error code and message). */
#ifndef SR_BOARDC_H
#define SR_BOARDC_H
#include <stddef.h>
#include <stdint.h>
#include <jansson.h>
#include "config.h"

enum boardc_status {
    BOARDC_OK = 0,
    BOARDC_UNREACHABLE = -1,   /* no socket, nobody listening, connect timed out, or hung up before the request was taken */
    BOARDC_NO_REPLY = -2,      /* the request went out; no whole reply line came by the deadline */
    BOARDC_REFUSED = -3,       /* {"ok":false,...}: the error code and message are in err (and result.error) */
    BOARDC_BAD_REPLY = -4,     /* a reply, but not one §4 describes */
    BOARDC_BAD_REQUEST = -5,   /* ours: a member out of §4's limits; nothing was sent */
};

/* The longest reply line read (a status of many buses is the largest). */
#define BOARDC_MAX_REPLY (1u << 20)
/* Connecting never takes longer than this, whatever the call's timeout:
 * a boardd that does not even accept is as good as absent. */
#define BOARDC_CONNECT_MS 1000

typedef struct boardc_open_req {
    int64_t cell_id;
    const char *command_id;    /* 1-64 printable ASCII: the idempotency key */
    int64_t expires_ms;        /* the last moment the lock may fire, Unix ms UTC */
    const char *reason;        /* 1-255 bytes */
    const char *actor;         /* 1-64 bytes, "staff:alice", "api:12" */
} boardc_open_req_t;

typedef struct boardc_result {
    char command_id[65];
    char outcome[16];          /* docs/boards.md §3: opened, acknowledged, jammed, ... */
    int replayed;              /* the id was seen before: nothing fired now */
    char detail[256];
    char error[32];            /* BOARDC_REFUSED: boardd's code (unknown_cell, bad_request) */
    /* From the moment boardd read the request; -1 when the reply left one out. */
    double queued_ms, fired_ms, answered_ms, finished_ms;
} boardc_result_t;

/* The outcomes of §3, NULL-terminated. */
extern const char *const boardc_outcomes[];

/* Boardd.Socket, else <Paths.Var>/run/boardd.sock.  0, or -1 when it does
 * not fit out. */
int  boardc_socket_path(const config_t *cfg, char *out, size_t outlen);

/* Sends an open command and waits for its end (at most timeout_ms in all).
 * BOARDC_OK fills res; BOARDC_REFUSED fills res->error and err; the others
 * say what happened in err. */
int  boardc_open(const char *sock_path, const boardc_open_req_t *req, int timeout_ms,
                 boardc_result_t *res, char *err, size_t errlen);

/* Any request (status, scan, reload), borrowed.  BOARDC_OK hands back the
 * reply object in *reply (the caller decrefs it); anything else leaves
 * *reply NULL and says why in err ("<code>: <message>" when refused). */
int  boardc_call(const char *sock_path, json_t *request, int timeout_ms, json_t **reply,
                 char *err, size_t errlen);

/* A stable short name of a status ("unreachable", "no_reply", ...) for
 * messages and lang keys. */
const char *boardc_status_name(int status);

/* ---------- pure parts (unit-tested) ---------- */

int  boardc_valid_command_id(const char *s);
int  boardc_known_outcome(const char *s);
/* The request line's object for an open, or NULL with err set when a
 * member is out of §4's limits. */
json_t *boardc_open_request(const boardc_open_req_t *req, char *err, size_t errlen);
/* One reply line (without its newline; a trailing CR is allowed).
 * BOARDC_OK and BOARDC_REFUSED both hand back the object in *reply;
 * BOARDC_REFUSED also writes "<code>: <message>" into err. */
int  boardc_parse_reply(const char *line, size_t len, json_t **reply, char *err, size_t errlen);
/* The members of an open's successful reply; the command id must be the
 * one sent (want_id; NULL skips the check). */
int  boardc_parse_open(const json_t *reply, const char *want_id, boardc_result_t *res, char *err, size_t errlen);

#endif
