/* libFuzzer target: fpp_parse, fingerd's request-line parser (lib/fpproto.c).
 * Whatever it accepts must satisfy every rule of docs/fingerd.md §4, and
 * a refusal must still leave a message and an id that could be echoed. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "fpproto.h"

/* A trap is a crash to libFuzzer, so it keeps the input. */
#define CHECK(cond) do { if (!(cond)) __builtin_trap(); } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* The parser gets exactly the bytes of the line (no terminator). */
    char *line = malloc(size ? size : 1);
    if (!line) return 0;
    memcpy(line, data, size);
    fpp_request_t r;
    char err[256];
    memset(err, 'x', sizeof err);
    int rc = fpp_parse(line, size, &r, err, sizeof err);
    CHECK(rc == 0 || rc == -1);
    if (r.has_id) {
        size_t n = strnlen(r.id, sizeof r.id);
        CHECK(n >= 1 && n <= FPP_ID_MAX);
    }
    if (rc == -1) {
        CHECK(memchr(err, '\0', sizeof err) && err[0]);
    } else {
        CHECK(size <= FPP_LINE_MAX);
        switch (r.op) {
        case FPP_ENROLL:
            CHECK(r.customer > 0 && fpp_finger_name(r.finger));
            break;
        case FPP_VERIFY:
            CHECK(r.customer > 0);
            break;
        case FPP_MATCH:
            CHECK(fpp_match_id_valid(r.match_id));
            break;
        case FPP_STATUS: case FPP_IDENTIFY: case FPP_CANCEL:
            CHECK(r.customer == 0 && r.finger == 0);
            break;
        default:
            CHECK(0);
        }
    }
    free(line);
    return 0;
}
