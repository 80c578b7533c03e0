#include "log.h"
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* Set once in main before anything else runs; read-only afterwards. */
static const char *log_program = "strongroom";
static enum log_level log_threshold = LOG_LVL_INFO;

void log_init(const char *program, const char *level)
{
    if (program) log_program = program;
    if (!level) return;
    if (!strcmp(level, "debug")) log_threshold = LOG_LVL_DEBUG;
    else if (!strcmp(level, "warn")) log_threshold = LOG_LVL_WARN;
    else if (!strcmp(level, "error")) log_threshold = LOG_LVL_ERROR;
    else log_threshold = LOG_LVL_INFO;
}

void log_msg(enum log_level lvl, const char *fmt, ...)
{
    static const char *names[] = { "debug", "info", "warn", "error" };
    if (lvl < log_threshold) return;
    char ts[32];
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%SZ", &tm);
    char line[2048];
    int n = snprintf(line, sizeof line, "%s %s[%d] %s: ", ts, log_program, (int)getpid(), names[lvl]);
    va_list ap;
    va_start(ap, fmt);
    if (n > 0 && (size_t)n < sizeof line) vsnprintf(line + n, sizeof line - (size_t)n, fmt, ap);
    va_end(ap);
    /* One write per line so lines from several workers never interleave. */
    size_t len = strnlen(line, sizeof line - 2);
    line[len++] = '\n';
    ssize_t w = write(STDERR_FILENO, line, len);
    (void)w;
}
