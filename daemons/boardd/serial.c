/* The serial line under a CU bus, and the gap every protocol keeps
 * between frames.  Modbus opens its own line through libmodbus. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>
#include "driver.h"

static speed_t baud_constant(int baud)
{
    switch (baud) {
    case 1200: return B1200;
    case 2400: return B2400;
    case 4800: return B4800;
    case 9600: return B9600;
    case 19200: return B19200;
    case 38400: return B38400;
    case 57600: return B57600;
    case 115200: return B115200;
    default: return 0;
    }
}

int bd_serial_open(const char *device, int baud, char *err, size_t errlen)
{
    speed_t speed = baud_constant(baud);
    if (!speed) { snprintf(err, errlen, "unsupported baud rate %d", baud); return -1; }
    int fd = open(device, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) { snprintf(err, errlen, "%s: %s", device, strerror(errno)); return -1; }
    struct termios t;
    if (tcgetattr(fd, &t) != 0) {
        snprintf(err, errlen, "%s is not a serial line: %s", device, strerror(errno));
        close(fd);
        return -1;
    }
    cfmakeraw(&t);                       /* 8 data bits, no parity, no echo, no translation */
    t.c_cflag &= ~(tcflag_t)(CSTOPB | CRTSCTS);
    t.c_cflag |= CLOCAL | CREAD;
    cfsetispeed(&t, speed);
    cfsetospeed(&t, speed);
    if (tcsetattr(fd, TCSANOW, &t) != 0) {
        snprintf(err, errlen, "%s: cannot set 8N1 at %d: %s", device, baud, strerror(errno));
        close(fd);
        return -1;
    }
    tcflush(fd, TCIOFLUSH);
    return fd;
}

/* A character is 10 bits on the wire (start, 8 data, stop). */
double bd_char_ms(int baud) { return 10.0 * 1000.0 / baud; }

void bd_serial_gap(bd_bus_t *bus)
{
    double wait = bus->last_frame_end + 3.5 * bd_char_ms(bus->baud) - bd_now_ms();
    if (wait <= 0) return;
    struct timespec ts = { 0, (long)(wait * 1e6) };
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {}
}
