#include "backoffice.h"
#define PENDING(f) int f(web_req_t *req) { return web_fail(req, 404, "not_found", NULL); }
PENDING(bo_users) PENDING(bo_user_new) PENDING(bo_user_create) PENDING(bo_user_edit) PENDING(bo_user_update)
PENDING(bo_audit) PENDING(bo_audit_csv) PENDING(bo_apikeys) PENDING(bo_apikey_create) PENDING(bo_apikey_revoke)
