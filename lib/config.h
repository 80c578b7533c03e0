/* Configuration: one HDF file (see config/strongroom.hdf for every key). */
#ifndef SR_CONFIG_H
#define SR_CONFIG_H
#include <stddef.h>

typedef struct config config_t;

/* Loads the file at `path` (or $STRONGROOM_CONFIG when path is NULL).
 * On failure returns NULL and writes the reason into err. */
config_t   *config_load(const char *path, char *err, size_t errlen);
const char *config_get(const config_t *c, const char *key, const char *def);
long        config_int(const config_t *c, const char *key, long def);
/* Reads the first line of a file named by a config key (a password file). */
int         config_read_secret(const config_t *c, const char *key, char *out, size_t outlen);
/* Calls fn with the name of each child of key, in file order
 * ("Notify.Slack" -> "ops", "alerts"); nothing when key is absent. */
void        config_each_child(const config_t *c, const char *key, void (*fn)(void *ctx, const char *name), void *ctx);
void        config_free(config_t *c);

#endif
