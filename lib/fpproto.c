#include "fpproto.h"
#include <jansson.h>
#include <stdio.h>
#include <string.h>

/* The order is the schema's ENUM and the template binding's finger byte:
 * never reorder. */
static const char *const fingers[FPP_FINGERS] = {
    "right-thumb", "right-index", "right-middle", "right-ring", "right-little",
    "left-thumb",  "left-index",  "left-middle",  "left-ring",  "left-little",
};

const char *fpp_finger_name(int finger)
{
    return finger >= 1 && finger <= FPP_FINGERS ? fingers[finger - 1] : NULL;
}

int fpp_finger_index(const char *name)
{
    if (!name) return 0;
    for (int i = 0; i < FPP_FINGERS; i++)
        if (!strcmp(name, fingers[i])) return i + 1;
    return 0;
}

static const struct {
    const char *name;
    enum fpp_op op;
    const char *members;      /* besides "op" and "id", space-separated */
} ops[] = {
    { "status", FPP_STATUS, "" },
    { "enroll", FPP_ENROLL, "customer finger" },
    { "verify", FPP_VERIFY, "customer" },
    { "identify", FPP_IDENTIFY, "" },
    { "cancel", FPP_CANCEL, "" },
    { "match", FPP_MATCH, "match_id" },
};

const char *fpp_op_name(enum fpp_op op)
{
    for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++)
        if (ops[i].op == op) return ops[i].name;
    return "?";
}

int fpp_op_uses_reader(enum fpp_op op)
{
    return op == FPP_ENROLL || op == FPP_VERIFY || op == FPP_IDENTIFY;
}

int fpp_match_id_valid(const char *s)
{
    if (!s || s[0] != 'm' || strlen(s) != FPP_MATCH_ID_LEN) return 0;
    for (const char *p = s + 1; *p; p++) {
        char c = *p;
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_'))
            return 0;
    }
    return 1;
}

/* 1 when name is one of the space-separated words of list. */
static int listed(const char *list, const char *name)
{
    size_t n = strlen(name);
    for (const char *p = list; *p;) {
        const char *end = strchr(p, ' ');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        if (len == n && !memcmp(p, name, n)) return 1;
        p += len;
        while (*p == ' ') p++;
    }
    return 0;
}

static int fail(char *err, size_t errlen, const char *msg)
{
    snprintf(err, errlen, "%s", msg);
    return -1;
}

int fpp_parse(const char *line, size_t len, fpp_request_t *req, char *err, size_t errlen)
{
    memset(req, 0, sizeof *req);
    if (len > FPP_LINE_MAX) return fail(err, errlen, "a request line is at most 65536 bytes");
    json_error_t jerr;
    json_t *o = json_loadb(line, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &jerr);
    if (!o) {
        /* jansson refuses integers outside 64 bits while parsing: say so
         * rather than call the line not JSON. */
        if (strstr(jerr.text, "too big"))
            return fail(err, errlen, "a number is out of range: integers are at most 9223372036854775807");
        snprintf(err, errlen, "not JSON (%.80s): a request is one JSON object on one line", jerr.text);
        return -1;
    }
    int rc = -1;
    if (!json_is_object(o)) { fail(err, errlen, "a request is a JSON object"); goto out; }

    /* The id first: every later refusal can then carry it. */
    json_t *id = json_object_get(o, "id");
    if (id) {
        size_t n = json_is_string(id) ? json_string_length(id) : 0;
        if (n < 1 || n > FPP_ID_MAX || strlen(json_string_value(id)) != n) {
            fail(err, errlen, "id must be a string of 1-64 bytes");
            goto out;
        }
        memcpy(req->id, json_string_value(id), n + 1);
        req->has_id = 1;
    }

    const char *opname = json_string_value(json_object_get(o, "op"));
    size_t k = 0;
    while (opname && k < sizeof ops / sizeof ops[0] && strcmp(opname, ops[k].name) != 0) k++;
    if (!opname || k == sizeof ops / sizeof ops[0]) {
        fail(err, errlen, "op must be one of status, enroll, verify, identify, cancel, match");
        goto out;
    }
    req->op = ops[k].op;

    const char *name;
    json_t *v;
    json_object_foreach(o, name, v) {
        if (!strcmp(name, "op") || !strcmp(name, "id") || listed(ops[k].members, name)) continue;
        snprintf(err, errlen, "%s takes no member \"%.40s\"", ops[k].name, name);
        goto out;
    }

    if (listed(ops[k].members, "customer")) {
        v = json_object_get(o, "customer");
        if (!json_is_integer(v) || json_integer_value(v) <= 0) {
            fail(err, errlen, "customer must be a positive integer");
            goto out;
        }
        req->customer = (int64_t)json_integer_value(v);
    }
    if (listed(ops[k].members, "finger")) {
        req->finger = fpp_finger_index(json_string_value(json_object_get(o, "finger")));
        if (!req->finger) {
            fail(err, errlen, "finger must be one of right-thumb, right-index, right-middle, right-ring, right-little,"
                              " left-thumb, left-index, left-middle, left-ring, left-little");
            goto out;
        }
    }
    if (listed(ops[k].members, "match_id")) {
        const char *m = json_string_value(json_object_get(o, "match_id"));
        if (!fpp_match_id_valid(m)) {
            fail(err, errlen, "match_id must be \"m\" and 22 base64url characters");
            goto out;
        }
        memcpy(req->match_id, m, FPP_MATCH_ID_LEN + 1);
    }
    rc = 0;
out:
    json_decref(o);
    return rc;
}
