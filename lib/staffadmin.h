/* Staff users as an administrator manages them: validation (pure) and
 * every change, each in one transaction together with its audit row.
 * Used by the back office; nothing here knows about HTTP or HTML.
 *
 * The rules that protect the system from its own administrators live
 * here too, so every front end gets them: an administrator cannot lock
 * themselves out (deactivate or demote themselves), and a site-scoped
 * administrator can neither grant more than they can see nor touch a
 * user who sees more than they do. */
#ifndef SR_STAFFADMIN_H
#define SR_STAFFADMIN_H
#include <stdint.h>
#include "arena.h"
#include "auth.h"
#include "audit.h"
#include "db.h"
#include "inventory.h"   /* inv_error_t: the field + message-code pair forms show */

#define STAFFADMIN_USERNAME_MIN 3
#define STAFFADMIN_USERNAME_MAX 64
#define STAFFADMIN_DISPLAY_MAX 120    /* characters, as the column holds */

typedef struct staffadmin_user {
    int64_t id;                /* 0 for a user not yet created */
    const char *username, *display_name, *role;
    const char *password;      /* the new password; NULL or "" on an edit keeps the old one */
    int all_sites, active;
    const int64_t *sites;      /* when !all_sites: the sites the user may see */
    int nsites;
} staffadmin_user_t;

/* ---------- pure ---------- */

/* 3 to 64 of [A-Za-z0-9._-]. */
int staffadmin_valid_username(const char *username);

/* Parses site ids as sent by checkboxes: positive decimal integers, with
 * duplicates dropped.  Returns 0, or -1 when a value is not an id. */
int staffadmin_parse_sites(arena_t *a, const char *const *values, int n, int64_t **out, int *nout);

/* Whether editor's site scope covers a user with this scope. */
int staffadmin_can_manage(const auth_user_t *editor, int all_sites, const int64_t *sites, int nsites);

/* Checks a user as submitted by editor; returns 0 or -1 with *err set
 * (err->code is a key under errors.field in the language files). */
int staffadmin_validate(const staffadmin_user_t *u, const auth_user_t *editor, inv_error_t *err);

/* The audit detail of a change (JSON, malloc'd; NULL when out of memory).
 * It never holds the password or its hash, only whether it changed. */
char *staffadmin_detail_json(const staffadmin_user_t *u, int password_changed);

/* ---------- database ---------- */

/* Loads a user (without password hash); DB_OK with out->id == 0 when absent. */
int staffadmin_load(db_t *db, arena_t *a, int64_t id, staffadmin_user_t *out);

/* Creates the user with password_hash (Argon2id, made by the caller).
 * DB_ERR_DUP: username taken; DB_ERR_FK: a site does not exist (err set). */
int staffadmin_create(db_t *db, const audit_actor_t *who, const staffadmin_user_t *u,
                      const char *password_hash, int64_t *id, inv_error_t *err);

/* Updates user u->id; password_hash NULL keeps the password.  Deactivating
 * the user or changing their password ends their sessions, except the
 * editor's own current one.  DB_ERR_FK with err "not_found" when the
 * user is absent or out of editor's scope. */
int staffadmin_update(db_t *db, arena_t *a, const audit_actor_t *who, const auth_user_t *editor,
                      const staffadmin_user_t *u, const char *password_hash, inv_error_t *err);

#endif
