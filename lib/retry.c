#include "retry.h"

long retry_backoff_ms(int attempt, long base_ms, long cap_ms)
{
    if (base_ms <= 0) return 0;
    if (cap_ms < 0) cap_ms = 0;
    long wait = base_ms;
    /* Doubling stops at the cap, so nothing grows past it. */
    for (int i = 1; i < attempt && wait < cap_ms; i++) wait = wait > cap_ms / 2 ? cap_ms : wait * 2;
    return wait < cap_ms ? wait : cap_ms;
}
