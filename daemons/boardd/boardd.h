/* boardd: owns the RS-485 buses of the lock-control boards (docs/boards.md).
 *
 * Threads: the main thread serves the UNIX socket and writes each open
 * command's row before queueing it; one thread per bus owns that bus's
 * device and database connection, fires commands, confirms doors and
 * polls door states.  A bus thread hands finished jobs back through the
 * done list and an eventfd; nothing else is shared but what each bus's
 * mutex guards (its queue and the counters the status request reads). */
#ifndef SR_BOARDD_H
#define SR_BOARDD_H
#include <pthread.h>
#include <stdint.h>
#include <jansson.h>
#include "config.h"
#include "db.h"

#define BD_MAX_LOCKS 48
#define BD_COMMAND_ID_MAX 64

enum bd_protocol { BD_CU, BD_MODBUS };
enum bd_board_status { BD_BOARD_UNKNOWN, BD_BOARD_OK, BD_BOARD_SILENT };
enum bd_door { BD_DOOR_UNKNOWN = -1, BD_DOOR_CLOSED = 0, BD_DOOR_OPEN = 1 };

typedef struct bd_lock {
    /* wiring (0 cell_id: no cell on this channel) */
    int64_t cell_id, site_id;
    int has_sensor;
    /* what the bus thread knows */
    int door;                 /* enum bd_door */
    int item;                 /* -1 no occupancy sensor, else 0/1 */
    double opened_at;         /* monotonic ms the door was seen open */
    double unlocked_at;       /* monotonic ms of the last acknowledged unlock */
    int64_t unlock_row;       /* door_commands.id of that unlock */
    int left_open_raised;
} bd_lock_t;

typedef struct bd_board {
    int64_t id;
    int address, channels, timed_pulse, pulse_ms;
    bd_lock_t locks[BD_MAX_LOCKS];          /* index = channel - 1 */
    /* guarded by the bus mutex: read by the status request */
    int status;                             /* enum bd_board_status */
    uint64_t frames_ok, timeouts, bad_frames;
    char firmware[64], last_error[160];
    /* bus thread only */
    int misses;                             /* polls unanswered in a row */
    double next_poll;                       /* monotonic ms */
    int stats_dirty;
    int answered_since_flush;
    uint64_t flushed[3];                    /* frames_ok, timeouts, bad_frames already in the row */
} bd_board_t;

typedef struct bd_job bd_job_t;
typedef struct boardd boardd_t;
typedef struct bd_driver bd_driver_t;

typedef struct bd_bus {
    int64_t id, site_id;
    char name[65];
    char device[1024];
    int baud, protocol;
    int poll_ms, reply_timeout_ms, retries, open_confirm_ms, door_open_alarm_s, silent_after;
    unsigned char signature[32]; /* hash of every setting and the wiring: unchanged on reload = kept */
    bd_board_t *boards;
    int nboards;

    boardd_t *d;
    pthread_t thread;
    int started;
    struct bd_bus *predecessor; /* the retired bus of the same device, joined before opening */
    struct bd_bus *next_retired;

    pthread_mutex_t mu;         /* queue, stopping, exited, device_open, board counters */
    pthread_cond_t cv;
    bd_job_t *qhead, *qtail;
    int qlen;
    int stopping, exited, device_open;

    /* bus thread only */
    const bd_driver_t *drv;
    void *io;
    db_t *db;
    bd_job_t *confirming;       /* acknowledged opens waiting for the door sensor */
    double last_frame_end;      /* monotonic ms: the inter-frame gap counts from here */
    double next_reopen;         /* device missing: try again at */
    double next_flush;
} bd_bus_t;

enum bd_job_kind { JOB_OPEN, JOB_REPLAY, JOB_SCAN };

struct bd_job {
    bd_job_t *next;
    int kind;
    uint64_t client;            /* the connection to answer (its serial) */
    int64_t row_id;             /* door_commands.id */
    char command_id[BD_COMMAND_ID_MAX + 1];
    int board, channel;         /* index into bus->boards, 1-based lock */
    int64_t expires_ms;         /* Unix ms */
    double t0, t_queued, t_fired, t_answered, t_finished;   /* monotonic ms */
    double confirm_deadline, next_check;
    const char *outcome;        /* static string, one of docs/boards.md §3 */
    char detail[256];
    int replayed;
    json_t *result;             /* scan: the reply to send */
};

struct boardd {
    const config_t *cfg;
    char var[512];              /* Paths.Var: relative device paths live here */
    pthread_mutex_t done_mu;
    bd_job_t *done_head, *done_tail;
    int done_fd;                /* eventfd: the main loop wakes when a job is done */
    volatile int stop;
};

/* clocks (bus.c) */
double bd_now_ms(void);                 /* monotonic */
int64_t bd_unix_ms(void);

/* wiring.c: buses, boards and cells from the database */
int bd_wiring_load(boardd_t *d, db_t *db, bd_bus_t ***buses, int *nbuses, char *err, size_t errlen);
void bd_bus_free(bd_bus_t *bus);

/* bus.c: the bus thread */
int bd_bus_start(bd_bus_t *bus);
void bd_bus_enqueue(bd_bus_t *bus, bd_job_t *job);
void bd_bus_retire(bd_bus_t *bus);      /* drain the queue, then exit */
void bd_job_done(boardd_t *d, bd_job_t *job);

/* doors.c: what the bus thread writes to the database */
void bd_doors_observe(bd_bus_t *bus, bd_board_t *b, int channel, int door, int item, int64_t command_row);
void bd_doors_tick(bd_bus_t *bus, double now);
void bd_doors_board_answered(bd_bus_t *bus, bd_board_t *b);
void bd_doors_board_missed(bd_bus_t *bus, bd_board_t *b, const char *why);
void bd_doors_flush_stats(bd_bus_t *bus, int force);
void bd_doors_jam(bd_bus_t *bus, bd_board_t *b, int channel, const char *command_id);
void bd_doors_load(bd_bus_t *bus);
int bd_command_finish(db_t *db, bd_job_t *job);

#endif
