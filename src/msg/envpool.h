/*
 * envpool.h: memory for small envelopes, recycled per worker thread.
 *
 * A message is allocated on the sender's worker and freed on the
 * receiver's. With malloc, when the two run on different cores, every free
 * goes back to the sender's arena under its lock while the sender keeps
 * allocating from it: the two cores fight over one lock per message. Here a
 * block freed by another thread is pushed, lock-free, on a list of its
 * owner's, which the owner takes whole when its own list runs out.
 *
 * A thread that is no worker (the HTTP server's loop, a host's caller)
 * mallocs a whole block for a small envelope, marked MSG_POOL_ADOPT: the
 * worker that releases it keeps it in its own list rather than freeing it
 * into the sender's arena (its lock again), and its next messages (the
 * replies) are written in it.
 */
#ifndef WACTOR_MSG_ENVPOOL_H
#define WACTOR_MSG_ENVPOOL_H

#include "rt.h"

#include <stddef.h>
#include <stdint.h>

#define MSG_POOL_BLOCK 256              /* blocks of this many bytes; larger ones are malloc'd */
#define MSG_POOL_NONE UINT16_MAX        /* the owner of a malloc'd block */
#define MSG_POOL_ADOPT (UINT16_MAX - 1) /* a whole block malloc'd off the workers */

typedef struct msg_envpool msg_envpool;

msg_envpool *msg_envpool_new(rt_sched *s);
/* Frees every block kept; only once no thread uses the pool. */
void msg_envpool_free(msg_envpool *p);

/* size bytes, from the calling worker's blocks when small enough (else
 * malloc); *owner receives what msg_envpool_release needs back. NULL when
 * out of memory. */
void *msg_envpool_alloc(msg_envpool *p, size_t size, uint16_t *owner);
/* Gives a block back, from any thread. */
void msg_envpool_release(msg_envpool *p, void *block, uint16_t owner);

#endif
