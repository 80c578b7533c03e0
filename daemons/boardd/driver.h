/* One bus protocol: how boardd asks a board to unlock, to report its doors
 * and to say who it is.  drv_cu.c speaks the framed CU protocol through
 * lib/cu_frame, drv_modbus.c Modbus RTU through libmodbus.  Each call is
 * one request/reply exchange with up to `tries` attempts, the inter-frame
 * gap kept before every frame, and the board's counters (frames_ok,
 * timeouts, bad_frames, last_error) updated. */
#ifndef SR_BOARDD_DRIVER_H
#define SR_BOARDD_DRIVER_H
#include "boardd.h"

enum bd_rc {
    BD_OK = 0,
    BD_NO_ANSWER,       /* nothing valid came back after every try */
    BD_REFUSED,         /* the board said no such lock */
    BD_IO,              /* the device itself failed: reopen it */
};

typedef struct bd_doors {
    int n;
    int closed[BD_MAX_LOCKS];       /* 1 door shut */
    int item[BD_MAX_LOCKS];         /* -1 no occupancy sensor */
} bd_doors_t;

struct bd_driver {
    const char *name;
    void *(*open)(bd_bus_t *bus, char *err, size_t errlen);
    void (*close)(void *io);
    /* Everything a board needs at start-up: relays off (Modbus), and its
     * firmware into b->firmware. */
    int (*start)(bd_bus_t *bus, bd_board_t *b);
    int (*unlock)(bd_bus_t *bus, bd_board_t *b, int channel, int tries);
    int (*read_one)(bd_bus_t *bus, bd_board_t *b, int channel, int *closed);
    int (*read_all)(bd_bus_t *bus, bd_board_t *b, bd_doors_t *out, int tries);
    /* Scan: is anything at this address?  One try. */
    int (*identify)(bd_bus_t *bus, int address, char *firmware, size_t len);
    int max_scan_address;
    int min_scan_address;
};

extern const bd_driver_t bd_driver_cu;
extern const bd_driver_t bd_driver_modbus;

/* serial.c: a raw 8N1 serial line and the silent gap between frames */
int bd_serial_open(const char *device, int baud, char *err, size_t errlen);
/* Sleeps until 3.5 character times have passed since bus->last_frame_end. */
void bd_serial_gap(bd_bus_t *bus);
double bd_char_ms(int baud);

/* Counters under the bus mutex, read by the status request. */
void bd_board_count(bd_bus_t *bus, bd_board_t *b, int ok, int timeout, int bad, const char *error);
/* The firmware a board reported, under the bus mutex; written to its row
 * with the next counters. */
void bd_board_firmware(bd_bus_t *bus, bd_board_t *b, const char *fw);

#endif
