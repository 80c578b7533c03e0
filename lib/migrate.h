/* Forward-only schema migrations: sql/migrations/NNNN_name.sql applied in
 * order, each recorded with a checksum so an edited migration that was
 * already applied is refused rather than silently ignored. */
#ifndef SR_MIGRATE_H
#define SR_MIGRATE_H
#include <stddef.h>
#include "db.h"

typedef void (*migrate_progress_fn)(const char *name, const char *what);

/* Returns the number applied (>= 0) or -1 with err filled. */
int migrate_run(db_t *db, const char *dir, migrate_progress_fn progress, char *err, size_t errlen);
/* Pure: accepts "0001_core.sql" style names and returns the version, or -1. */
int migrate_version_of(const char *filename);

#endif
