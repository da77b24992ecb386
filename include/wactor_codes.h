/*
 * wactor_codes.h: the one table of wactor's numbers: result codes and
 * callback statuses. A leaf header (it includes nothing), so that every layer
 * may use it: the messaging layer and the store return these codes, the host
 * functions hand them to guests unchanged, the embedding API (wactor.h)
 * returns them to embedders, and the CLI maps them to exit statuses.
 *
 * The first block is the guest ABI's (docs/ABI.md, "Conventions"): a guest
 * sees exactly these values, and sdk/c/wactor.h repeats them for guests
 * (tests/guest/codes_check.c, built with the tests, checks that the two
 * agree). The second block only
 * ever reaches an embedder: never a guest.
 *
 * X(NAME, VALUE, MESSAGE) produces WACTOR_NAME = VALUE; wactor_result_name
 * and wactor_result_message (wactor.h) read the same table.
 */
#ifndef WACTOR_CODES_H
#define WACTOR_CODES_H

/* The guest ABI's codes, by value (ABI.md gives the order in which they
 * take precedence when several apply). */
#define WACTOR_ABI_CODES(X)                                                                        \
    X(OK, 0, "ok")                                                                                 \
    X(EINVAL, -1, "invalid argument")                                                              \
    X(EDENIED, -2, "denied by capabilities")                                                       \
    X(ENOTFOUND, -3, "not found")                                                                  \
    X(EFULL, -4, "mailbox or pending-request limit reached")                                       \
    X(ETOOBIG, -5, "too big")                                                                      \
    X(EQUOTA, -6, "storage quota exceeded")                                                        \
    X(ESTATE, -7, "not valid in this state")                                                       \
    X(EEXIST, -8, "name already in use")

/* Codes only an embedder sees. */
#define WACTOR_HOST_CODES(X)                                                                       \
    X(ENOMEM, -9, "out of memory")                                                                 \
    X(EMODULE, -10, "bad module")                                                                  \
    X(ETIMEDOUT, -11, "timed out")                                                                 \
    X(ESTART, -12, "component failed to start")                                                    \
    X(ESYSTEM, -13, "system error")

#define WACTOR_RESULT_LIST(X) WACTOR_ABI_CODES(X) WACTOR_HOST_CODES(X)

/* How a request ended: the `status` of a callback (ABI.md, "Callback
 * status"). X(NAME, VALUE, MEANING). */
#define WACTOR_STATUS_LIST(X)                                                                      \
    X(OK, 0, "the responder's answer")                                                             \
    X(ERROR, 1, "the responder answered ERROR or its handler failed")                              \
    X(TIMEOUT, 2, "no answer in time; the payload is empty")                                       \
    X(FAILED, 3, "the target stopped or crashed; the payload is a reason")

#define WACTOR_NSTATUS 4

/* The tables alone, without the enums, for a file that has the same names
 * from elsewhere (the guest SDK's check, tests/guest/codes_check.c). */
#ifndef WACTOR_CODES_TABLES_ONLY
typedef enum wactor_result {
#define WACTOR_X(name, code, msg) WACTOR_##name = code,
    WACTOR_RESULT_LIST(WACTOR_X)
#undef WACTOR_X
} wactor_result;

typedef enum wactor_status {
#define WACTOR_X(name, value, meaning) WACTOR_STATUS_##name = value,
    WACTOR_STATUS_LIST(WACTOR_X)
#undef WACTOR_X
} wactor_status;
#endif

#endif
