/* The operations of boardsim's control socket: one JSON object in, one
 * out.  Tests use them to break the boards in every way boardd has to
 * cope with, to play the people at the doors, and to read back what went
 * over the line. */
#ifndef BOARDSIM_OPS_H
#define BOARDSIM_OPS_H
#include <stddef.h>
#include <stdint.h>

#include "sim.h"

/* Runs one request line (len bytes, no newline) and returns the reply
 * line, without its newline, to be freed by the caller; NULL only when
 * out of memory.  A request that is not valid changes nothing. */
char *ops_run(sim_t *s, const char *line, size_t len, int64_t now);

#endif
