/*
 * vmem.c: zero-filled memory straight from the kernel, for linear memories
 * and execution stacks.
 *
 * Why not calloc: glibc serves a large block from the heap once its mmap
 * threshold has adapted upwards, and must then clear it, which costs time
 * and makes every page resident. Anonymous mappings are zero pages the
 * kernel fills in on first touch, so an instance costs only what it uses,
 * and growing a memory (mremap) neither copies nor clears.
 *
 * This is also where a later version reserves a whole 4 GiB region with
 * guard pages, to drop the explicit bounds checks.
 *
 * ThreadSanitizer keeps a shadow of every address: who last read or wrote
 * it, and when. It follows mmap (the new range starts clean, as written by
 * the mapping thread) and munmap (the range is forgotten), but not mremap:
 * a memory moved away by a growth leaves its old accesses in the shadow of
 * the range it left, and a later mremap that grows another memory (on
 * another worker) into that range inherits them. Its first access then
 * "races" with an access made by another thread to a mapping that no longer
 * exists: nothing in the program is unordered, the kernel simply handed the
 * addresses over. (This was every report ThreadSanitizer made about guest
 * memory, written by the interpreter or by a host function's copy_out.) So
 * under ThreadSanitizer a growth first maps its destination with mmap, which
 * TSan follows, and moves the pages onto it with MREMAP_FIXED (no copy):
 * every range a memory lives in has been through mmap at that address. A
 * range left behind keeps its stale shadow, but whatever is mapped there
 * next, by us or by a library, is mapped with mmap, which clears it. Release
 * builds keep the plain mremap, which can grow in place.
 */
#include <pthread.h>
#include <stdlib.h>
#include <sys/mman.h>

#include <string.h>

#include "instance.h"

#if defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define WA_TSAN 1
#endif
#endif
#if defined(__SANITIZE_THREAD__) && !defined(WA_TSAN)
#define WA_TSAN 1
#endif

void *wa_vmem_alloc(size_t bytes)
{
    if (bytes == 0)
        return NULL;
    void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
                   -1, 0);
    return p == MAP_FAILED ? NULL : p;
}

void *wa_vmem_resize(void *p, size_t old_bytes, size_t new_bytes)
{
    if (!p)
        return wa_vmem_alloc(new_bytes);
#if defined(MREMAP_MAYMOVE) && defined(WA_TSAN)
    /* Fresh shadow for the destination (see the note at the top). */
    void *dest = wa_vmem_alloc(new_bytes);
    if (!dest)
        return NULL;
    void *q = mremap(p, old_bytes, new_bytes, MREMAP_MAYMOVE | MREMAP_FIXED, dest);
    if (q == MAP_FAILED) {
        /* The kernel may have unmapped dest before failing, and another
         * thread may have been given that range since: unmapping it could
         * take someone else's memory. This build (TSan only) leaks it. */
        return NULL;
    }
    return q;
#elif defined(MREMAP_MAYMOVE)
    void *q = mremap(p, old_bytes, new_bytes, MREMAP_MAYMOVE);
    return q == MAP_FAILED ? NULL : q;
#else
    void *q = wa_vmem_alloc(new_bytes);
    if (q) {
        memcpy(q, p, old_bytes < new_bytes ? old_bytes : new_bytes);
        wa_vmem_free(p, old_bytes);
    }
    return q;
#endif
}

void wa_vmem_free(void *p, size_t bytes)
{
    if (p)
        munmap(p, bytes);
}

/* ---- the pool ------------------------------------------------------------ */

/* A memory given back on one thread (its instance crashed or stopped) is
 * taken on another. The giver clears it, then files it under the pool's
 * mutex; the taker finds it under the same mutex: the clearing, and the last
 * owner's accesses before it, happen before the new owner's. */

typedef struct pool_entry {
    void *p;
    size_t bytes;
} pool_entry;

struct wa_mempool {
    pthread_mutex_t lock;
    size_t max_bytes;
    uint32_t max_count, count;
    pool_entry *entries;
};

wa_mempool *wa_mempool_new(size_t max_bytes, uint32_t max_count)
{
    wa_mempool *pool = calloc(1, sizeof *pool);
    if (!pool)
        return NULL;
    pool->entries = calloc(max_count ? max_count : 1, sizeof *pool->entries);
    if (!pool->entries) {
        free(pool);
        return NULL;
    }
    pthread_mutex_init(&pool->lock, NULL);
    pool->max_bytes = max_bytes;
    pool->max_count = max_count;
    return pool;
}

void wa_mempool_free(wa_mempool *pool)
{
    if (!pool)
        return;
    for (uint32_t i = 0; i < pool->count; i++)
        wa_vmem_free(pool->entries[i].p, pool->entries[i].bytes);
    pthread_mutex_destroy(&pool->lock);
    free(pool->entries);
    free(pool);
}

void *wa_mempool_take(wa_mempool *pool, size_t bytes)
{
    void *p = NULL;
    pthread_mutex_lock(&pool->lock);
    for (uint32_t i = 0; i < pool->count; i++) {
        if (pool->entries[i].bytes == bytes) {
            p = pool->entries[i].p;
            pool->entries[i] = pool->entries[--pool->count];
            break;
        }
    }
    pthread_mutex_unlock(&pool->lock);
    return p ? p : wa_vmem_alloc(bytes);
}

/* Clears a memory for its next owner. Every byte: a page that is not
 * resident may be a zero page never touched, but it may also have been
 * swapped out with the last owner's data in it. Pooled memories are small,
 * so this costs microseconds, and no other core is interrupted (unmapping
 * or madvise would flush the TLBs of every thread's core). */
static void clear_memory(void *p, size_t bytes)
{
    memset(p, 0, bytes);
}

void wa_mempool_give(wa_mempool *pool, void *p, size_t bytes)
{
    if (!p)
        return;
    pthread_mutex_lock(&pool->lock);
    bool room = bytes <= pool->max_bytes && pool->count < pool->max_count;
    pthread_mutex_unlock(&pool->lock);
    /* Cleared outside the lock; if the pool filled up meanwhile, the work
     * is lost and the mapping goes back to the kernel after all. */
    if (room) {
        clear_memory(p, bytes);
        pthread_mutex_lock(&pool->lock);
        if (pool->count < pool->max_count) {
            pool->entries[pool->count++] = (pool_entry){p, bytes};
            p = NULL;
        }
        pthread_mutex_unlock(&pool->lock);
    }
    if (p)
        wa_vmem_free(p, bytes);
}
