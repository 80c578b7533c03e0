/* The ring of requests seen; see framelog.h. */
#include "framelog.h"
#include <stdio.h>

void framelog_add(framelog_t *l, int64_t t_us, unsigned board, const char *cmd, unsigned lock)
{
    frame_entry_t *e = &l->ring[l->next % FRAMELOG_SIZE];
    e->seq = l->next++;
    e->t_us = t_us;
    e->board = board;
    e->lock = lock;
    snprintf(e->cmd, sizeof e->cmd, "%s", cmd);
}

uint64_t framelog_oldest(const framelog_t *l)
{
    return l->next > FRAMELOG_SIZE ? l->next - FRAMELOG_SIZE : 0;
}

const frame_entry_t *framelog_get(const framelog_t *l, uint64_t seq)
{
    if (seq < framelog_oldest(l) || seq >= l->next) return NULL;
    return &l->ring[seq % FRAMELOG_SIZE];
}
