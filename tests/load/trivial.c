/* The benchmark's ceiling: the smallest FastCGI responder there is, run
 * behind the same nginx as the real programs.  Whatever it reaches is
 * what nginx, FastCGI and this machine allow; our pages are measured
 * against it.
 *
 * Usage: trivial.fcgi -s SOCKET [-m MODE] [-n PROCESSES] [-c IGNORED]
 *
 * -c is accepted and ignored so that a copy can stand in for any of the
 * real programs (same command line) when testing the stack runner.
 *
 * Same process shape as the real programs (lib/web.c): one listening
 * socket, N single-threaded accept loops forked from a parent that only
 * waits for TERM, so the comparison is like for like. */
#include <fcgiapp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAX_PROCS 64

static void serve(int fd)
{
    static const char reply[] =
        "Status: 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 3\r\n\r\nok\n";
    FCGX_Request req;
    if (FCGX_InitRequest(&req, fd, 0) != 0) return;
    while (FCGX_Accept_r(&req) >= 0) {
        FCGX_PutStr(reply, (int)sizeof reply - 1, req.out);
        FCGX_Finish_r(&req);
    }
}

static int usage(const char *prog)
{
    fprintf(stderr, "usage: %s -s SOCKET [-m MODE] [-n PROCESSES]\n", prog);
    return 2;
}

int main(int argc, char **argv)
{
    const char *sock = NULL;
    mode_t mode = 0660;
    int n = 2, opt;
    while ((opt = getopt(argc, argv, "s:m:n:c:")) != -1) {
        switch (opt) {
        case 's': sock = optarg; break;
        case 'm': mode = (mode_t)strtol(optarg, NULL, 8); break;
        case 'n': n = atoi(optarg); break;
        case 'c': break;
        default: return usage(argv[0]);
        }
    }
    if (!sock || n < 1 || n > MAX_PROCS) return usage(argv[0]);

    if (FCGX_Init() != 0) { fputs("FCGX_Init failed\n", stderr); return 1; }
    unlink(sock);
    int fd = FCGX_OpenSocket(sock, 256);
    if (fd < 0) { perror(sock); return 1; }
    /* nginx's workers may run as another user: the mode is chosen by the caller. */
    if (chmod(sock, mode) != 0) { perror(sock); unlink(sock); return 1; }

    /* Block TERM and INT before forking so a stop that arrives while the
     * pool starts is not lost; the children unblock them again. */
    sigset_t stop, old;
    sigemptyset(&stop);
    sigaddset(&stop, SIGTERM);
    sigaddset(&stop, SIGINT);
    sigprocmask(SIG_BLOCK, &stop, &old);

    pid_t kids[MAX_PROCS];
    int started = 0;
    for (int i = 0; i < n; i++) {
        pid_t pid = fork();
        if (pid < 0) { perror("fork"); break; }
        if (pid == 0) {
            /* A parent killed outright (SIGKILL) must not leave its
             * children holding the socket. */
            prctl(PR_SET_PDEATHSIG, SIGTERM);
            if (getppid() == 1) _exit(0);
            sigprocmask(SIG_SETMASK, &old, NULL);
            serve(fd);
            _exit(0);
        }
        kids[started++] = pid;
    }

    int sig = 0;
    if (started == n) sigwait(&stop, &sig);
    for (int i = 0; i < started; i++) kill(kids[i], SIGTERM);
    while (wait(NULL) > 0) {}
    unlink(sock);
    return started == n ? 0 : 1;
}
