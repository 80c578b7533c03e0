/* enroll.fcgi: tablet self-enrollment under /enroll/ (features follow in later issues). */
#include "page.h"

static int home(web_req_t *req) { return page_render(req, "enroll/index.cs") ? 500 : 0; }

static const web_route_t routes[] = {
    { "GET", "/enroll/", home, WEB_PUBLIC, NULL },
    { NULL, NULL, NULL, 0, NULL },
};

static const web_app_t app = {
    .name = "enroll",
    .routes = routes,
    .worker_init = page_worker_init,
    .before = page_before_public,
    .error = page_error,
};

int main(int argc, char **argv) { return web_main(&app, argc, argv); }
