/* The pseudo-terminal that stands in for the RS-485 line: boardd (or a
 * test) opens the slave side through a stable symlink, boardsim talks on
 * the master side. */
#ifndef BOARDSIM_PTY_H
#define BOARDSIM_PTY_H
#include <limits.h>
#include <stddef.h>

typedef struct pty {
    int master;                  /* non-blocking */
    int slave;                   /* held open so the master never sees a hang-up */
    char name[64];               /* /dev/pts/N */
    char link[PATH_MAX];         /* the symlink we made, "" before */
} pty_t;

/* Opens a pty in raw mode and points link at its slave side, replacing
 * an older symlink (never any other file).  Returns 0, or -1 with a
 * message (and nothing left open). */
int pty_open(pty_t *p, const char *link, char *err, size_t errlen);

/* Closes both sides and removes the symlink if it still points at us. */
void pty_close(pty_t *p);

#endif
