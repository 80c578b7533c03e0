/* What cgi-bin/api.c shares with the other parts of api.fcgi
 * (cgi-bin/api_*.c): the key of the request, the audit actor, problem
 * documents and request bodies, all with the conventions api.c sets out,
 * and the handlers those parts add to api.c's route table. */
#ifndef SR_API_H
#define SR_API_H
#include <jansson.h>
#include "web.h"
#include "apikey.h"
#include "audit.h"
#include "notice.h"

const apikey_t *api_key(const web_req_t *r);
/* Who an API write is recorded as: the key, from the client's address. */
audit_actor_t api_actor(web_req_t *r);
/* The worker's notices, for the messages a write causes (receipts). */
notice_t *api_notices(const web_req_t *r);

/* Each sends a problem document and returns 0 (the response is made). */
int api_problem(web_req_t *r, int status, const char *code, const char *detail);
int api_problem_at(web_req_t *r, int status, const char *code, const char *detail,
                   const char *field, const char *reason);
int api_not_found(web_req_t *r);
/* 422 validation_failed naming the member and the reason code. */
int api_invalid(web_req_t *r, const char *field, const char *reason);
/* A db_status as 503, 404 (foreign key) or 500. */
int api_db_failed(web_req_t *r, int rc);
/* The request body as a JSON object (415, 400 bad_json otherwise: then
 * NULL, the problem sent).  The caller owns the reference. */
json_t *api_body_object(web_req_t *r);

/* vault: customers, accounts, contracts, visits (api_vault.c) */
int api_customers_list(web_req_t *r);
int api_customer_create(web_req_t *r);
int api_customer_get(web_req_t *r);
int api_customer_update(web_req_t *r);
int api_customer_balance(web_req_t *r);
int api_customer_statement(web_req_t *r);
int api_customer_payments(web_req_t *r);
int api_payment_create(web_req_t *r);
int api_contracts_list(web_req_t *r);
int api_contract_get(web_req_t *r);
int api_contract_create(web_req_t *r);
int api_visits_list(web_req_t *r);
int api_visit_create(web_req_t *r);
int api_visit_checkout(web_req_t *r);

/* doors: opening cells through boardd, door states (api_boards.c) */
int api_cell_open(web_req_t *r);
int api_site_doors(web_req_t *r);

#endif
