/* The staff back office (/admin/): handlers shared across its files. */
#ifndef SR_BACKOFFICE_H
#define SR_BACKOFFICE_H
#include "web.h"
#include "page.h"
#include "staff.h"
#include "inventory.h"

/* backoffice.c */
int bo_login_form(web_req_t *req);
int bo_login(web_req_t *req);
int bo_logout(web_req_t *req);
int bo_dashboard(web_req_t *req);

/* backoffice_sites.c: sites, banks, cells, the locker grid */
int bo_sites(web_req_t *req);
int bo_site_new(web_req_t *req);
int bo_site_create(web_req_t *req);
int bo_site_show(web_req_t *req);
int bo_site_edit(web_req_t *req);
int bo_site_update(web_req_t *req);
int bo_bank_new(web_req_t *req);
int bo_bank_create(web_req_t *req);
int bo_bank_show(web_req_t *req);
int bo_cell_edit(web_req_t *req);
int bo_cell_update(web_req_t *req);
int bo_cell_service(web_req_t *req);
int bo_grid(web_req_t *req);

/* backoffice_users.c: staff users and roles */
int bo_users(web_req_t *req);
int bo_user_new(web_req_t *req);
int bo_user_create(web_req_t *req);
int bo_user_edit(web_req_t *req);
int bo_user_update(web_req_t *req);

/* backoffice_audit.c: the audit log viewer and CSV export */
int bo_audit(web_req_t *req);
int bo_audit_csv(web_req_t *req);

/* backoffice_apikeys.c: API keys */
int bo_apikeys(web_req_t *req);
int bo_apikey_create(web_req_t *req);
int bo_apikey_revoke(web_req_t *req);

/* vault: customers, plans, contracts (backoffice_customers.c, backoffice_contracts.c) */

/* vault: accounts, payments, statements (backoffice_ledger.c) */

/* vault: tablets and enrollment review (backoffice_enroll.c) */

/* vault: visits (backoffice_visits.c) */

/* Shared helpers (backoffice.c) */
/* Puts a validation failure into the dataset (Form.error.field/.message)
 * and returns 422 for the handler to re-render its form with. */
int  bo_form_error(web_req_t *req, const inv_error_t *err);
/* Trimmed form value ("" when absent). */
const char *bo_field(web_req_t *req, const char *name);
/* The sites the user may see, as Sites.N.{id,name} (for pickers). */
int  bo_load_site_choices(web_req_t *req);
/* The site ids ticked in the form's "sites" checkboxes; -1 when a value
 * is not a site id. */
int  bo_form_sites(web_req_t *req, int64_t **ids, int *n);
/* "1,5,9": ids as the checked_in() template macro takes them. */
const char *bo_ids_csv(arena_t *a, const int64_t *ids, int n);

#endif
