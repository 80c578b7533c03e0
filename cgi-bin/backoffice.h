/* The staff back office (/admin/): handlers shared across its files. */
#ifndef SR_BACKOFFICE_H
#define SR_BACKOFFICE_H
#include "web.h"
#include "page.h"
#include "staff.h"
#include "inventory.h"
#include "customer.h"

/* A column in the local time of site s as text, or as stored (UTC) when
 * the server does not know the zone (as every page shows times,
 * lib/sitetime.h).  BO_: backoffice_visits.c has a SITE_LOCAL of its own
 * that leaves the value a DATETIME. */
#define BO_SITE_LOCAL(t) "DATE_FORMAT(COALESCE(CONVERT_TZ(" t ", '+00:00', s.time_zone), " t "), '%Y-%m-%d %H:%i:%s')"

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
/* Loads a site the user may see into Site.* (id, name, address, time_zone,
 * currency, languages, vault, storage, mailroom, version: the inventory
 * version, doors_version); 0, or an HTTP status (404 for a site that is
 * not there or not the user's). */
int bo_load_site(web_req_t *req, int64_t id);
/* Loads a cell the user may see into Cell.* and its site into Site.*
 * (404 otherwise); bo_cell_page then renders the cell page for it. */
int bo_load_cell(web_req_t *req, int64_t id);
int bo_cell_page(web_req_t *req, int64_t id);
/* The bank page (a bank the user may see, 404 otherwise). */
int bo_bank_page(web_req_t *req, int64_t id);

/* backoffice_boards.c: lock-board buses and boards, scans, wiring banks */
int bo_buses(web_req_t *req);
int bo_bus_new(web_req_t *req);
int bo_bus_create(web_req_t *req);
int bo_bus_edit(web_req_t *req);
int bo_bus_update(web_req_t *req);
int bo_bus_scan(web_req_t *req);
int bo_board_new(web_req_t *req);
int bo_board_create(web_req_t *req);
int bo_board_edit(web_req_t *req);
int bo_board_update(web_req_t *req);
int bo_bank_wire(web_req_t *req);
/* The bank page's part: each cell's lock (Locks.<cell id>.*) and, for
 * those who manage boards, the wiring form's choices. */
int bo_bank_locks(web_req_t *req, int64_t bank_id, int64_t site_id);
/* Asks boardd to read buses, boards and wiring again; 0, or -1 when it
 * could not be told (the change stands; the page shows a notice). */
int bo_boardd_reload(web_req_t *req);
/* reload=failed on a page: the notice that boardd did not hear of a change. */
void bo_reload_notice(web_req_t *req);

/* backoffice_doors.c: opening cells, door states, the live grid, alarms */
int bo_cell_open(web_req_t *req);
int bo_site_doors(web_req_t *req);
int bo_alarms(web_req_t *req);
int bo_alarms_count(web_req_t *req);
int bo_alarm_ack(web_req_t *req);
/* The cell page's part: its lock, door, last events and commands, the
 * open form, and the result of an open (done=<outcome>&cmd=<id>).
 * Returns 1 when done named an open's result (it is shown here), else 0,
 * or an HTTP status. */
int bo_cell_doors(web_req_t *req, int64_t cell_id);
/* The grid page's part outside the cached grid: open doors and live alarms. */
int bo_grid_doors(web_req_t *req, int64_t site_id);

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
int bo_customers(web_req_t *req);
int bo_customer_new(web_req_t *req);
int bo_customer_create(web_req_t *req);
int bo_customer_show(web_req_t *req);
int bo_customer_edit(web_req_t *req);
int bo_customer_update(web_req_t *req);
int bo_customer_photo_upload(web_req_t *req);
int bo_customer_photo(web_req_t *req);
int bo_customer_consent(web_req_t *req);
/* The profile fields the customer form and the enrollment review share
 * (name, birth, document, address, contact, nominee), from the posted form. */
void bo_customer_identity_from_form(web_req_t *req, customer_t *c);
int bo_plans(web_req_t *req);
int bo_plans_save(web_req_t *req);
int bo_contract_new(web_req_t *req);
int bo_contract_create(web_req_t *req);
int bo_contract_show(web_req_t *req);
int bo_contract_suspend(web_req_t *req);
int bo_contract_close_form(web_req_t *req);
int bo_contract_close(web_req_t *req);
int bo_contract_release(web_req_t *req);
/* Loads a customer the user may see into Customer.* (404 otherwise). */
int bo_load_customer(web_req_t *req, int64_t id, int64_t *site_id);
/* A balance as prefix.kind (due, credit, zero) and prefix.amount. */
void bo_customer_balance(render_t *r, int64_t balance, const char *currency, const char *prefix);

/* vault: customers' fingerprints (backoffice_fingerprints.c; the live
 * relay to the reader is backoffice_fplive.h) */
int bo_fingerprint_enroll_form(web_req_t *req);
int bo_fingerprint_enroll(web_req_t *req);
int bo_fingerprint_delete(web_req_t *req);
/* The customer page's part: Fingerprints.N.* and FpConsent (1 when a
 * biometric consent is in force).  0 or a db_status. */
int bo_customer_fingerprints(web_req_t *req, int64_t customer_id);

/* vault: accounts, payments, statements (backoffice_ledger.c) */
int bo_account(web_req_t *req);
int bo_payment_create(web_req_t *req);
int bo_adjustment_create(web_req_t *req);
int bo_statement(web_req_t *req);
int bo_statement_csv(web_req_t *req);
int bo_journal(web_req_t *req);
int bo_journal_reverse(web_req_t *req);

/* notifications: the outbox (backoffice_outbox.c) */
int bo_outbox(web_req_t *req);
int bo_outbox_count(web_req_t *req);
int bo_outbox_show(web_req_t *req);
int bo_outbox_resend(web_req_t *req);
int bo_outbox_cancel(web_req_t *req);
/* The customer page's part: the customer's last messages as Messages.*. */
int bo_outbox_recent(web_req_t *req, int64_t customer_id);

/* vault: tablets and enrollment review (backoffice_enroll.c) */
int bo_tablets(web_req_t *req);
int bo_tablet_create(web_req_t *req);
int bo_tablet_revoke(web_req_t *req);
int bo_tablet_code(web_req_t *req);
int bo_enrollments(web_req_t *req);
int bo_enrollments_count(web_req_t *req);
int bo_enrollment_show(web_req_t *req);
int bo_enrollment_update(web_req_t *req);
int bo_enrollment_approve(web_req_t *req);
int bo_enrollment_reject(web_req_t *req);

/* vault: visits (backoffice_visits.c) */
int bo_visits(web_req_t *req);
int bo_visits_csv(web_req_t *req);
int bo_visit_new(web_req_t *req);
int bo_visit_create(web_req_t *req);
int bo_visit_checkout(web_req_t *req);

/* Shared helpers (backoffice.c) */
/* Puts a validation failure into the dataset (Form.error.field/.message)
 * and returns 422 for the handler to re-render its form with. */
int  bo_form_error(web_req_t *req, const inv_error_t *err);
/* The sites the user may see, as Sites.N.{id,name} (for pickers). */
int  bo_load_site_choices(web_req_t *req);
/* The site ids ticked in the form's "sites" checkboxes; -1 when a value
 * is not a site id. */
int  bo_form_sites(web_req_t *req, int64_t **ids, int *n);
/* Content-Type and a dated attachment name ("<what>-YYYYmmdd-HHMMSS.csv")
 * for a CSV export. */
void bo_csv_headers(web_req_t *req, const char *what);
/* "1,5,9": ids as the checked_in() template macro takes them. */
const char *bo_ids_csv(arena_t *a, const int64_t *ids, int n);
/* A whole number typed in a form field: def when the field is empty or
 * absent, -1 when it is not a number between -1000000 and 1000000 (outside
 * every valid range, so the validation names the field). */
int  bo_form_int(web_req_t *req, const char *name, int def);
/* 1 when v is one of the NULL-terminated set (NULL v is in none). */
int  bo_in_set(const char *const *set, const char *v);
/* Row `row` of res as <prefix>.<col> for the NULL-terminated cols (in
 * column order); bo_set_rows puts every row as <node>.<i>.<col>. */
void bo_set_row(render_t *r, const db_res_t *res, int row, const char *const *cols, const char *prefix);
void bo_set_rows(render_t *r, const db_res_t *res, const char *const *cols, const char *node);

/* backoffice_fpvisits.c: visits verified on the fingerprint reader */
int bo_fp_visit_screen(web_req_t *req);
int bo_fp_identify(web_req_t *req);
int bo_fp_verify(web_req_t *req);
/* 0 when the site's fingerd vouches that match_id is its fresh match of
 * this customer; -1 with err (verification_ref, fingerprint_unavailable). */
int bo_fp_confirm_match(web_req_t *req, int64_t site_id, int64_t customer_id, const char *match_id, inv_error_t *err);
/* The check-in screen's part: FPState.reader, prints, locked, until; 0
 * or an HTTP status. */
int bo_fp_checkin_state(web_req_t *req, int64_t site_id, int64_t customer_id);

#endif
