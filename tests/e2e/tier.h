/*
 * tier.h: the tier the test's components run in. WACTOR_TEST_TIER=aot runs
 * every case compiled (docs/AOT.md), from the artifacts in the folder
 * WACTOR_TEST_CACHE: tests/CMakeLists.txt runs the end-to-end, failure and
 * counters cases a second time so (ctest -L aot), and they must behave the
 * same, fuel counts included.
 */
#ifndef TESTS_TIER_H
#define TESTS_TIER_H

#include <stdlib.h>
#include <string.h>

#include "wactor.h"

static inline void test_tier(wactor_runtime_options *o)
{
    const char *t = getenv("WACTOR_TEST_TIER");
    if (t && strcmp(t, "aot") == 0) {
        o->tier = WACTOR_TIER_AOT;
        o->cache_dir = getenv("WACTOR_TEST_CACHE");
    }
}

#endif
