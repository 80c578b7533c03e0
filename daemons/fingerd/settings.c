/* fingerd's configuration (docs/fingerd.md §1): Fingerd.Readers.<NAME>
 * and the keys every reader shares.  Anything wrong stops the start with
 * the key at fault. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "fingerd.h"

#define SCAN_TIMEOUT_DEFAULT 30
#define SCAN_TIMEOUT_MAX 600
#define MATCH_TTL_DEFAULT 120
#define MATCH_TTL_MAX 3600

static void first_child(void *ctx, const char *name)
{
    char *out = ctx;
    if (!out[0]) snprintf(out, FD_READER_NAME_MAX + 1, "%s", name);
}

/* config_int would take garbage for the default: a typo must stop the start. */
static int bounded_int(const config_t *cfg, const char *key, long def, long min, long max, int *out,
                       char *err, size_t errlen)
{
    const char *text = config_get(cfg, key, NULL);
    long v = def;
    if (text && *text) {
        char *end;
        v = strtol(text, &end, 10);
        if (*end) v = min - 1;
    }
    if (v < min || v > max) {
        snprintf(err, errlen, "%s must be a whole number from %ld to %ld", key, min, max);
        return -1;
    }
    *out = (int)v;
    return 0;
}

int fd_settings_load(const config_t *cfg, const char *reader, fd_settings_t *s, char *err, size_t errlen)
{
    memset(s, 0, sizeof *s);
    s->cfg = cfg;
    if (reader) {
        if (!*reader || strlen(reader) > FD_READER_NAME_MAX || strpbrk(reader, ". /")) {
            snprintf(err, errlen, "a reader name is 1-64 characters without dots, spaces or slashes");
            return -1;
        }
        snprintf(s->reader, sizeof s->reader, "%s", reader);
    } else {
        config_each_child(cfg, "Fingerd.Readers", first_child, s->reader);
        if (!s->reader[0]) { snprintf(err, errlen, "no reader configured (Fingerd.Readers.<NAME>.Site)"); return -1; }
    }

    char key[160];
    snprintf(key, sizeof key, "Fingerd.Readers.%s.Site", s->reader);
    long site = config_int(cfg, key, 0);
    if (site <= 0) { snprintf(err, errlen, "%s must be the id of a site", key); return -1; }
    s->site = site;

    snprintf(key, sizeof key, "Fingerd.Readers.%s.Socket", s->reader);
    const char *sock = config_get(cfg, key, NULL);
    int n = sock && *sock ? snprintf(s->socket, sizeof s->socket, "%s", sock)
                          : snprintf(s->socket, sizeof s->socket, "%s/run/fingerd-%s.sock",
                                     config_get(cfg, "Paths.Var", "."), s->reader);
    if (n < 0 || (size_t)n >= sizeof s->socket) { snprintf(err, errlen, "%s: the socket path is too long", key); return -1; }

    snprintf(key, sizeof key, "Fingerd.Readers.%s.Device", s->reader);
    const char *device = config_get(cfg, key, "");
    if (strlen(device) >= sizeof s->device) { snprintf(err, errlen, "%s is too long", key); return -1; }
    snprintf(s->device, sizeof s->device, "%s", device);

    snprintf(key, sizeof key, "Fingerd.Readers.%s.ScanTimeoutSec", s->reader);
    if (bounded_int(cfg, key, SCAN_TIMEOUT_DEFAULT, 1, SCAN_TIMEOUT_MAX, &s->scan_timeout_s, err, errlen)) return -1;
    if (bounded_int(cfg, "Fingerd.MatchTtlSec", MATCH_TTL_DEFAULT, 1, MATCH_TTL_MAX, &s->match_ttl_s, err, errlen))
        return -1;

    const char *keyfile = config_get(cfg, "Paths.KeyFile", NULL);
    if (!keyfile || secret_load_key(keyfile, s->key) != 0) {
        snprintf(err, errlen, "Paths.KeyFile must name a readable file of %d bytes (the site key)", SECRET_KEY_LEN);
        return -1;
    }
    return 0;
}
