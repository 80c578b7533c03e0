/* The pty and its symlink; see pty.h. */
#include "pty.h"
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

static int fail(pty_t *p, char *err, size_t errlen, const char *what)
{
    snprintf(err, errlen, "%s: %s", what, strerror(errno));
    if (p->slave >= 0) close(p->slave);
    if (p->master >= 0) close(p->master);
    p->master = p->slave = -1;
    return -1;
}

/* Points link at target in one step, so a client never finds the path
 * missing or half made. */
static int replace_symlink(const char *target, const char *link, char *err, size_t errlen)
{
    struct stat st;
    if (lstat(link, &st) == 0 && !S_ISLNK(st.st_mode)) {
        snprintf(err, errlen, "%s exists and is not a symlink", link);
        return -1;
    }
    char tmp[PATH_MAX];
    if ((size_t)snprintf(tmp, sizeof tmp, "%s.tmp", link) >= sizeof tmp) {
        snprintf(err, errlen, "%s: path too long", link);
        return -1;
    }
    unlink(tmp);
    if (symlink(target, tmp) != 0 || rename(tmp, link) != 0) {
        snprintf(err, errlen, "symlink %s: %s", link, strerror(errno));
        unlink(tmp);
        return -1;
    }
    return 0;
}

int pty_open(pty_t *p, const char *link, char *err, size_t errlen)
{
    memset(p, 0, sizeof *p);
    p->slave = -1;
    p->master = posix_openpt(O_RDWR | O_NOCTTY);
    if (p->master < 0) return fail(p, err, errlen, "posix_openpt");
    if (grantpt(p->master) || unlockpt(p->master)) return fail(p, err, errlen, "grantpt");
    if (ptsname_r(p->master, p->name, sizeof p->name)) return fail(p, err, errlen, "ptsname");
    p->slave = open(p->name, O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (p->slave < 0) return fail(p, err, errlen, p->name);

    /* Raw: every byte passes as it is, both ways (no echo, no CR/LF
     * mapping, no signals), like a serial line.  The settings belong to
     * the terminal, so a client opening it later finds them too. */
    struct termios t;
    if (tcgetattr(p->slave, &t)) return fail(p, err, errlen, "tcgetattr");
    cfmakeraw(&t);
    if (tcsetattr(p->slave, TCSANOW, &t)) return fail(p, err, errlen, "tcsetattr");

    int fl = fcntl(p->master, F_GETFL);
    if (fl < 0 || fcntl(p->master, F_SETFL, fl | O_NONBLOCK) < 0 ||
        fcntl(p->master, F_SETFD, FD_CLOEXEC) < 0)
        return fail(p, err, errlen, "fcntl");

    if (replace_symlink(p->name, link, err, errlen)) {
        close(p->slave);
        close(p->master);
        p->master = p->slave = -1;
        return -1;
    }
    snprintf(p->link, sizeof p->link, "%s", link);
    return 0;
}

void pty_close(pty_t *p)
{
    if (p->link[0]) {
        /* Another simulator may have taken the path over since. */
        char target[sizeof p->name];
        ssize_t n = readlink(p->link, target, sizeof target - 1);
        if (n >= 0) {
            target[n] = '\0';
            if (strcmp(target, p->name) == 0) unlink(p->link);
        }
        p->link[0] = '\0';
    }
    if (p->slave >= 0) close(p->slave);
    if (p->master >= 0) close(p->master);
    p->master = p->slave = -1;
}
