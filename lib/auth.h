/* Staff authentication and authorisation: Argon2id passwords, database
 * sessions that store only token hashes, CSRF tokens, log-in throttling
 * that survives restarts, roles and site scoping. */
#ifndef SR_AUTH_H
#define SR_AUTH_H
#include <stddef.h>
#include <stdint.h>
#include "arena.h"
#include "db.h"
#include "config.h"

#define AUTH_TOKEN_LEN 44     /* base64url of 32 bytes + NUL */
#define AUTH_SESSION_COOKIE "sr_session"
#define AUTH_PRESESSION_COOKIE "sr_pre"

typedef struct auth_user {
    int64_t id;
    int64_t session_id;
    const char *username, *display_name, *role;
    int all_sites;
    const int64_t *sites;     /* site ids the user may see, when !all_sites */
    int nsites;
} auth_user_t;

enum auth_status {
    AUTH_OK = 0,
    AUTH_BAD_CREDENTIALS = 1,
    AUTH_THROTTLED = 2,
    AUTH_DB_ERROR = 3,
};

typedef struct auth_policy {
    int session_hours;
    int throttle_failures;       /* failures of one user name within the window that lock it */
    int throttle_addr_failures;  /* the same for one client address (higher: offices share one) */
    int throttle_window_min;
    int lockout_min;
    unsigned long long pw_ops;   /* 0 = libsodium interactive */
    size_t pw_mem_kib;
} auth_policy_t;

void auth_policy_from_config(const config_t *cfg, auth_policy_t *p);

/* Roles and permissions (pure). */
int  auth_valid_role(const char *role);
int  auth_role_can(const char *role, const char *perm);
extern const char *const auth_roles[];   /* NULL-terminated */
/* The i-th permission name, NULL past the last (for Can.* flags). */
const char *auth_perm_at(size_t i);

/* Checks throttling, verifies the password, opens a session.  On
 * AUTH_OK token receives the new session token for the cookie. */
int  auth_login(db_t *db, arena_t *a, const auth_policy_t *p, const char *username,
                const char *password, const char *ip, const char *user_agent,
                char token[AUTH_TOKEN_LEN], auth_user_t **user);
/* A second person's confirmation (an override's approval): the same
 * throttled password check as a log-in, no session.  AUTH_OK with the
 * user's id and role (in a), AUTH_BAD_CREDENTIALS, AUTH_THROTTLED or
 * AUTH_DB_ERROR. */
int  auth_confirm(db_t *db, arena_t *a, const auth_policy_t *p, const char *username, const char *password,
                  const char *ip, int64_t *user_id, const char **role);
/* Resolves a session token; AUTH_OK with *user, AUTH_BAD_CREDENTIALS when
 * absent/expired, AUTH_DB_ERROR when the database cannot answer. */
int  auth_session(db_t *db, arena_t *a, const char *token, auth_user_t **user);
int  auth_logout(db_t *db, const char *token);

/* A worker's cache of resolved sessions, so a busy page does not ask the
 * database who the user is on every request.  An entry lives at most
 * ttl_ms and never past the session's expiry.  *generation is shared by
 * all workers of the program: auth_sessions_changed() bumps it whenever a
 * session ends or a user's role, sites or password change, and every
 * worker then drops its whole cache before the next request.  Changes
 * made outside the program (strongroomctl) take effect within ttl_ms. */
typedef struct auth_cache auth_cache_t;
auth_cache_t *auth_cache_new(int entries, int ttl_ms, uint64_t *generation);
void auth_cache_free(auth_cache_t *c);
/* auth_session() through the cache (c may be NULL: no caching). */
int  auth_session_cached(auth_cache_t *c, db_t *db, arena_t *a, const char *token, auth_user_t **user);
void auth_sessions_changed(auth_cache_t *c);

/* The CSRF token for a session (or pre-session) token: a keyed hash, so
 * nothing needs storing and it cannot be forged without the cookie. */
void auth_csrf_for(const char *session_token, char out[AUTH_TOKEN_LEN]);
int  auth_csrf_valid(const char *session_token, const char *submitted);

int  auth_can_see_site(const auth_user_t *u, int64_t site_id);
int  auth_password_acceptable(const char *password, const char **why);

#endif
