/* The benchmark's ceiling: the smallest FastCGI responder there is, run
 * behind the same nginx as the real programs.  Whatever it reaches is
 * what nginx, FastCGI and this machine allow; our pages are measured
 * against it.  Usage: trivial.fcgi -s SOCKET [-m MODE] [-n PROCESSES] */
#include <fcgiapp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static void serve(int fd)
{
    static const char reply[] = "Status: 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 3\r\n\r\nok\n";
    FCGX_Request req;
    FCGX_InitRequest(&req, fd, 0);
    while (FCGX_Accept_r(&req) >= 0) {
        FCGX_PutStr(reply, (int)sizeof reply - 1, req.out);
        FCGX_Finish_r(&req);
    }
}

int main(int argc, char **argv)
{
    const char *sock = NULL;
    mode_t mode = 0660;
    int n = 2, opt;
    while ((opt = getopt(argc, argv, "s:m:n:")) != -1) {
        if (opt == 's') sock = optarg;
        else if (opt == 'm') mode = (mode_t)strtol(optarg, NULL, 8);
        else if (opt == 'n') n = atoi(optarg);
        else { fprintf(stderr, "usage: %s -s SOCKET [-m MODE] [-n PROCESSES]\n", argv[0]); return 2; }
    }
    if (!sock || n < 1 || n > 64) { fprintf(stderr, "usage: %s -s SOCKET [-m MODE] [-n PROCESSES]\n", argv[0]); return 2; }
    FCGX_Init();
    unlink(sock);
    int fd = FCGX_OpenSocket(sock, 256);
    if (fd < 0 || chmod(sock, mode) != 0) { perror(sock); return 1; }
    pid_t kids[64];
    for (int i = 0; i < n; i++)
        if ((kids[i] = fork()) == 0) { serve(fd); _exit(0); }
    /* The parent only waits; on TERM it takes its children along. */
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigprocmask(SIG_BLOCK, &set, NULL);
    int sig;
    sigwait(&set, &sig);
    for (int i = 0; i < n; i++) kill(kids[i], SIGTERM);
    while (wait(NULL) > 0) {}
    unlink(sock);
    return 0;
}
