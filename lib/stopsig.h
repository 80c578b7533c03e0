/* The daemons' signals (SIGTERM, SIGINT: stop; SIGHUP: reload) as a
 * descriptor their poll loop reads, so no thread is ever interrupted. */
#ifndef SR_STOPSIG_H
#define SR_STOPSIG_H

/* Blocks the three signals in the calling thread (every thread started
 * later, GLib's and libcurl's included, inherits the mask), ignores
 * SIGPIPE (a peer that hung up is seen as a write error) and returns a
 * non-blocking signalfd for them, or -1. */
int stopsig_fd(void);

#endif
