#include "migrate.h"
#include "secret.h"
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_MIGRATIONS 1000

int migrate_version_of(const char *f)
{
    size_t n = strlen(f);
    if (n < 10 || strcmp(f + n - 4, ".sql") != 0 || f[4] != '_') return -1;
    int v = 0;
    for (int i = 0; i < 4; i++) {
        if (f[i] < '0' || f[i] > '9') return -1;
        v = v * 10 + (f[i] - '0');
    }
    for (size_t i = 5; i < n - 4; i++)
        if (!((f[i] >= 'a' && f[i] <= 'z') || (f[i] >= '0' && f[i] <= '9') || f[i] == '_')) return -1;
    return v > 0 ? v : -1;
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = n >= 0 ? malloc((size_t)n + 1) : NULL;
    if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) { free(buf); buf = NULL; }
    fclose(f);
    if (buf) { buf[n] = '\0'; *len = (size_t)n; }
    return buf;
}

int migrate_run(db_t *db, const char *dir, migrate_progress_fn progress, char *err, size_t errlen)
{
    if (db_exec_script(db,
            "CREATE TABLE IF NOT EXISTS schema_migrations ("
            " version INT UNSIGNED NOT NULL PRIMARY KEY,"
            " name VARCHAR(200) NOT NULL,"
            " checksum CHAR(64) NOT NULL,"
            " applied_at DATETIME(6) NOT NULL DEFAULT UTC_TIMESTAMP(6)) ENGINE=InnoDB",
            err, errlen) != DB_OK)
        return -1;

    DIR *d = opendir(dir);
    if (!d) { snprintf(err, errlen, "cannot open %s", dir); return -1; }
    char *names[MAX_MIGRATIONS] = { 0 };
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) && n < MAX_MIGRATIONS) {
        if (e->d_name[0] == '.') continue;
        if (migrate_version_of(e->d_name) < 0) {
            if (strstr(e->d_name, ".sql")) {
                snprintf(err, errlen, "badly named migration %s (want NNNN_name.sql)", e->d_name);
                closedir(d);
                for (int i = 0; i < n; i++) free(names[i]);
                return -1;
            }
            continue;
        }
        names[n++] = strdup(e->d_name);
    }
    closedir(d);
    qsort(names, (size_t)n, sizeof names[0], cmp_names);

    arena_t *a = arena_new(16 * 1024);
    int applied = 0, rc = 0;
    for (int i = 0; i < n && rc == 0; i++) {
        int version = migrate_version_of(names[i]);
        if (i > 0 && migrate_version_of(names[i - 1]) == version) {
            snprintf(err, errlen, "two migrations share version %04d", version);
            rc = -1;
            break;
        }
        char path[1024];
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        size_t len;
        char *sql = read_file(path, &len);
        if (!sql) { snprintf(err, errlen, "cannot read %s", path); rc = -1; break; }
        uint8_t h[SECRET_HASH_LEN];
        char hex[SECRET_HASH_HEX];
        secret_hash(h, sql, len, NULL, 0);
        secret_hex(hex, h, sizeof h);

        db_res_t *r;
        if (db_query(db, a, &r, "SELECT checksum FROM schema_migrations WHERE version = ?", "I", version) != DB_OK) {
            snprintf(err, errlen, "cannot read schema_migrations: %s", db_error(db));
            rc = -1;
        } else if (r->nrows == 1) {
            if (strcmp(db_cell(r, 0, 0), hex) != 0) {
                snprintf(err, errlen, "%s was changed after it was applied (checksum differs); "
                         "write a new migration instead", names[i]);
                rc = -1;
            }
        } else {
            if (progress) progress(names[i], "applying");
            char serr[512];
            if (db_exec_script(db, sql, serr, sizeof serr) != DB_OK) {
                snprintf(err, errlen, "%s failed: %s", names[i], serr);
                rc = -1;
            } else if (db_exec(db, "INSERT INTO schema_migrations (version, name, checksum) VALUES (?, ?, ?)",
                               "Iss", version, names[i], hex) < 0) {
                snprintf(err, errlen, "cannot record %s: %s", names[i], db_error(db));
                rc = -1;
            } else {
                applied++;
            }
        }
        free(sql);
        arena_reset(a);
    }
    arena_free(a);
    for (int i = 0; i < n; i++) free(names[i]);
    return rc ? -1 : applied;
}
