/* The main thread's state: the buses running now, which cell is on which
 * lock, the connections of the socket. */
#ifndef SR_BOARDD_SERVER_H
#define SR_BOARDD_SERVER_H
#include "boardd.h"

#define BD_MAX_CLIENTS 256

typedef struct bd_cell {
    int64_t cell_id;
    bd_bus_t *bus;
    int board, channel;
} bd_cell_t;

typedef struct bd_client {
    int fd;                     /* -1: free slot */
    uint64_t serial;            /* jobs name their connection by this, never by slot */
    int busy;                   /* a request is with a bus thread */
    int closing;
    size_t inlen, outlen, outcap;
    char in[8192];
    char *out;
} bd_client_t;

typedef struct bd_server {
    boardd_t *d;
    db_t *db;
    bd_bus_t **buses;
    int nbuses;
    bd_cell_t *cells;           /* sorted by cell_id */
    int ncells;
    bd_bus_t *retired;          /* buses with no successor, joined once exited */
    bd_client_t clients[BD_MAX_CLIENTS];
    uint64_t next_serial;
} bd_server_t;

const bd_cell_t *bd_server_cell(const bd_server_t *s, int64_t cell_id);
int bd_server_reload(bd_server_t *s, char *err, size_t errlen);

void bd_client_pump(bd_server_t *s, bd_client_t *c);
int bd_client_read(bd_client_t *c);
int bd_client_flush(bd_client_t *c);
void bd_reply_job(bd_client_t *c, bd_job_t *job);

#endif
