#include "backoffice.h"
#define PENDING(f) int f(web_req_t *req) { return web_fail(req, 404, "not_found", NULL); }
PENDING(bo_apikeys) PENDING(bo_apikey_create) PENDING(bo_apikey_revoke)
