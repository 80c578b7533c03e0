/* ClearSilver rendering with HTML escaping on by default.
 *
 * A worker keeps one HDF dataset for its life: the language strings
 * (Langs.<code>.*) and Config.* are loaded once, and every template is
 * parsed once against it and cached.  Handlers put the request's data in
 * other top-level nodes; render_reset() removes them after each request.
 * "Lang" is a symlink to the request's language, so templates say
 * <?cs var:Lang.login.title ?>. */
#ifndef SR_RENDER_H
#define SR_RENDER_H
#include <ClearSilver.h>
#include <stdint.h>
#include "web.h"

typedef struct render render_t;

/* Reads templates/lang/<code>.hdf, then every .hdf file in lang/<code>/ in name
 * order, into node.  path receives the file being read (for messages). */
NEOERR *render_read_lang(HDF *node, const char *dir, const char *code, char *path, size_t pathlen);
render_t   *render_new(const char *templates_dir, const char *languages_csv,
                       const char *default_lang, char *err, size_t errlen);
void        render_free(render_t *r);
HDF        *render_hdf(render_t *r);
/* Picks the language for a request: ?lang=, the sr_lang cookie, then
 * Accept-Language, then the default.  Sets the Lang link. */
const char *render_pick_lang(render_t *r, web_req_t *req);
int         render_has_lang(const render_t *r, const char *code);
/* A string of the current language, for text made in C (flash messages). */
const char *render_str(render_t *r, const char *key);
/* Renders templates_dir/<name> into the response; returns 0 or 500. */
int         render_page(render_t *r, web_req_t *req, const char *name);
/* Renders a template into a malloc'd NUL-terminated string (for
 * fragments kept in a cache); returns 0 or 500.  The caller frees *out. */
int         render_string(render_t *r, const char *name, char **out, size_t *len);
void        render_reset(render_t *r);
/* Logs a ClearSilver error as "what: message" and frees it. */
void        render_log_error(const char *what, NEOERR *ne);

/* Setters that keep handler code short.  Keys are printf-style. */
void render_set(render_t *r, const char *value, const char *keyfmt, ...) __attribute__((format(printf, 3, 4)));
void render_set_int(render_t *r, int64_t value, const char *keyfmt, ...) __attribute__((format(printf, 3, 4)));

#endif
