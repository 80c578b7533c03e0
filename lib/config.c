#include "config.h"
#include <ClearSilver.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct config { HDF *hdf; };

config_t *config_load(const char *path, char *err, size_t errlen)
{
    if (!path) path = getenv("STRONGROOM_CONFIG");
    if (!path) { snprintf(err, errlen, "no config file given (-c FILE or STRONGROOM_CONFIG)"); return NULL; }
    config_t *c = calloc(1, sizeof *c);
    if (!c) { snprintf(err, errlen, "out of memory"); return NULL; }
    NEOERR *ne = hdf_init(&c->hdf);
    if (ne == STATUS_OK) ne = hdf_read_file(c->hdf, path);
    if (ne != STATUS_OK) {
        STRING s; string_init(&s);
        nerr_error_string(ne, &s);
        snprintf(err, errlen, "cannot read config %s: %s", path, s.buf ? s.buf : "?");
        string_clear(&s);
        nerr_ignore(&ne);
        config_free(c);
        return NULL;
    }
    return c;
}

const char *config_get(const config_t *c, const char *key, const char *def)
{
    return hdf_get_value(c->hdf, key, def);
}

long config_int(const config_t *c, const char *key, long def)
{
    const char *v = hdf_get_value(c->hdf, key, NULL);
    if (!v || !*v) return def;
    char *end;
    long n = strtol(v, &end, 0);
    return *end ? def : n;
}

int config_read_secret(const config_t *c, const char *key, char *out, size_t outlen)
{
    const char *path = config_get(c, key, NULL);
    if (!path || !*path) return -1;
    FILE *f = fopen(path, "r");
    if (!f) return -1;
    if (!fgets(out, (int)outlen, f)) { fclose(f); return -1; }
    fclose(f);
    out[strcspn(out, "\r\n")] = '\0';
    return 0;
}

void config_each_child(const config_t *c, const char *key, void (*fn)(void *ctx, const char *name), void *ctx)
{
    for (HDF *h = hdf_get_child(c->hdf, key); h; h = hdf_obj_next(h)) fn(ctx, hdf_obj_name(h));
}

void config_free(config_t *c)
{
    if (!c) return;
    if (c->hdf) hdf_destroy(&c->hdf);
    free(c);
}
