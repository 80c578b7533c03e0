/* enroll.fcgi: the tablet self-enrollment program (/enroll/). */
#ifndef SR_ENROLL_H
#define SR_ENROLL_H
#include "web.h"
#include "page.h"
#include "tablet.h"
#include "enrollment.h"

/* Before pairing, the CSRF token of the pairing form is bound to this cookie. */
#define ENROLL_PRE_COOKIE "sr_enroll_pre"

int enroll_home(web_req_t *req);
int enroll_pair(web_req_t *req);
int enroll_step(web_req_t *req);
int enroll_submit(web_req_t *req);
int enroll_thanks(web_req_t *req);

/* The fields each step shows, NULL-terminated (index 1..3). */
extern const char *const enroll_step_fields[ENROLL_STEPS + 1][12];
/* A validation code as the customer reads it, in the current language. */
const char *enroll_message(render_t *r, const char *code);

#endif
