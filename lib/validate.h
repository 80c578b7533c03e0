/* Field formats shared by every screen that takes a customer's details
 * (back office, tablet, API), checked with PCRE2.  Pure functions: each
 * returns 1 when the text is acceptable, else 0. */
#ifndef SR_VALIDATE_H
#define SR_VALIDATE_H

/* International phone: optional '+', 7-15 digits, spaces, dashes and one
 * pair of parentheses allowed between them. */
int validate_phone(const char *s);
int validate_email(const char *s);
/* doc_type: passport, national_id, driving_licence, residence_permit.
 * Letters, digits, spaces and dashes, 5-20 characters of them with at
 * least 4 digits or letters; no other characters. */
int validate_doc_type(const char *doc_type);
int validate_doc_number(const char *doc_type, const char *s);
/* A real calendar date written YYYY-MM-DD. */
int validate_date(const char *s);
/* A person's name: 2-160 characters, letters (any script), spaces, '.',
 * '-', apostrophes; at least one letter. */
int validate_person_name(const char *s);

#endif
