/* mailroom.fcgi: the mailroom desk under /mailroom/ (features follow in later issues). */
#include "page.h"

static int home(web_req_t *req) { return page_render(req, "mailroom/index.cs") ? 500 : 0; }

static const web_route_t routes[] = {
    { "GET", "/mailroom/", home, WEB_PUBLIC, NULL },
    { NULL, NULL, NULL, 0, NULL },
};

static const web_app_t app = {
    .name = "mailroom",
    .routes = routes,
    .worker_init = page_worker_init,
    .before = page_before_public,
    .error = page_error,
};

int main(int argc, char **argv) { return web_main(&app, argc, argv); }
