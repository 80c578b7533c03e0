/* fingerd's request lines (docs/fingerd.md §3, §4) and the finger names
 * the back office shares with it.  Pure (jansson only): a request line is
 * parsed and every member checked here, so the daemon, the unit tests and
 * the fuzz target see the same rules. */
#ifndef SR_FPPROTO_H
#define SR_FPPROTO_H
#include <stddef.h>
#include <stdint.h>

#define FPP_LINE_MAX 65536          /* bytes of one request line, without its '\n' */
#define FPP_ID_MAX 64               /* bytes of a request's "id" */
#define FPP_MATCH_ID_LEN 23         /* "m" + 22 base64url characters (16 random bytes) */
#define FPP_FINGERS 10

/* The finger of index 1..10 (§3 order: right thumb to little finger, then
 * left), NULL outside that range. */
const char *fpp_finger_name(int finger);
/* The index 1..10 of a finger name, 0 when it is none. */
int fpp_finger_index(const char *name);

enum fpp_op { FPP_STATUS, FPP_ENROLL, FPP_VERIFY, FPP_IDENTIFY, FPP_CANCEL, FPP_MATCH };

const char *fpp_op_name(enum fpp_op op);
/* Enroll, verify and identify use the reader; one runs at a time. */
int fpp_op_uses_reader(enum fpp_op op);

typedef struct fpp_request {
    enum fpp_op op;
    int has_id;
    char id[FPP_ID_MAX + 1];            /* may hold any UTF-8 but NUL */
    int64_t customer;                   /* enroll, verify: > 0 */
    int finger;                         /* enroll: 1..10 */
    char match_id[FPP_MATCH_ID_LEN + 1];/* match */
} fpp_request_t;

/* Parses one request line (without its newline).  Returns 0, or -1 with a
 * message for a bad_request reply in err.  Even then req->has_id and
 * req->id are set when the line carried a valid id, so the reply can
 * carry it.  Members the op does not take are refused too. */
int fpp_parse(const char *line, size_t len, fpp_request_t *req, char *err, size_t errlen);

/* 1 when s has the shape of a match id: "m" and 22 base64url characters. */
int fpp_match_id_valid(const char *s);

#endif
