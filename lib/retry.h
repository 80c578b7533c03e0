/* Back-off for work that failed and is tried again later: the outbox's
 * messages and the scheduler's jobs.  Deterministic, without jitter: the
 * wait after failed attempt n is base * 2^(n-1), capped, so a row's next
 * try can be read off its attempts.  A gateway outage makes many rows
 * fail together and come back together; notifyd's limit on transfers in
 * flight keeps that wave from hammering the gateway. */
#ifndef SR_RETRY_H
#define SR_RETRY_H

typedef struct retry_policy {
    int max_attempts;     /* the attempt that makes a failure final */
    long base_ms;         /* the wait after the first failed attempt */
    long cap_ms;          /* no wait is longer */
} retry_policy_t;

/* Pure: the wait in ms after failed attempt n (1-based; below 1 counts as
 * 1).  Never overflows; base_ms <= 0 gives 0, a cap below base gives the cap. */
long retry_backoff_ms(int attempt, long base_ms, long cap_ms);

#endif
