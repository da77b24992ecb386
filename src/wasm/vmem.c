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
 */
#include <sys/mman.h>

#include <string.h>

#include "instance.h"

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
#ifdef MREMAP_MAYMOVE
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
