/*
 * control.h: the control socket of a running system (docs/CONTROL.md): the
 * server that `wactor run` starts (server.c), the client that `call`,
 * `send`, `stop`, `status` and `top` use (client.c), and the wire format
 * both share (proto.c).
 *
 * This part sits beside the CLI, above the runtime: it uses the embedding
 * API (include/wactor.h) and nothing else of wactor's, and the runtime
 * knows nothing of it.
 *
 * Ownership: ctl_listen returns a listener the caller passes to
 * ctl_server_start (which takes it, also on failure) or frees with
 * ctl_listener_free. ctl_server_stop ends the server thread, settles every
 * operation it started and removes the socket file.
 */
#ifndef WACTOR_CONTROL_H
#define WACTOR_CONTROL_H

#include "wactor.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The protocol's version: the first byte of every frame's body. */
/* 2: STATUS_LIST entries carry the handlers' counters; 3: and the last health answer */
#define CTL_VERSION 4

/* Frame types: requests (client to server) and answers. */
enum {
    CTL_HELLO = 0x01,
    CTL_CALL = 0x02,
    CTL_SEND = 0x03,
    CTL_STOP = 0x04,
    CTL_STATUS = 0x05,
    CTL_RELOAD = 0x06,
    CTL_HOSTS = 0x07, /* the lattice's hosts (docs/CONTROL.md) */
    CTL_EDGES = 0x08, /* who messages whom (wactor_edges) */

    CTL_A_RESULT = 0x80, /* i32 code, str16 message */
    CTL_A_HELLO = 0x81,
    CTL_A_CALL = 0x82,
    CTL_A_STATUS = 0x85,
    CTL_A_RELOAD = 0x86, /* u8 outcome (CTL_RELOAD_*), blob report (lines) */
    CTL_A_HOSTS = 0x87,  /* str lattice, str host, u32 n, n host entries */
    CTL_A_EDGES = 0x88,  /* u32 n, n times: str from, str to, u64 messages */
};

/* A reload's outcome (RELOAD_RESULT): the exit status `wactor reload` takes. */
enum { CTL_RELOAD_APPLIED = 0, CTL_RELOAD_FAILED = 1, CTL_RELOAD_INVALID = 4 };

/* Limits (docs/CONTROL.md, "Limits"). */
#define CTL_MAX_CONNECTIONS 16
#define CTL_FRAME_DEADLINE_MS 5000 /* a frame must arrive whole within this of its first byte */
#define CTL_WRITE_DEADLINE_MS 5000 /* an answer must be taken within this */
#define CTL_IDLE_MS 60000          /* a connection doing nothing is closed after this */
#define CTL_FRAME_OVERHEAD 65536u  /* a frame's length may exceed max_message by this */

/* ---- server -------------------------------------------------------------- */

typedef struct ctl_listener ctl_listener;
typedef struct ctl_server ctl_server;

/* Claims the socket at path for this process: creates its folder (mode
 * 0700) if missing, takes the lock PATH.lock (a second run of the same
 * manifest finds it held), removes a stale socket file, binds with mode
 * 0600 and listens. NULL on failure with one line in err; *other_pid is
 * then the pid of the live run that holds the socket, if one answers, else
 * 0. */
ctl_listener *ctl_listen(const char *path, char *err, size_t errlen, int *other_pid);
void ctl_listener_free(ctl_listener *l); /* closes, removes the socket file; NULL allowed */

/* Waits until no process holds the socket at path (its run has exited),
 * at most timeout_ms: true once released. For `wactor stop`. */
bool ctl_wait_released(const char *path, uint32_t timeout_ms);

typedef struct ctl_server_options {
    wactor_runtime *rt;
    const char *manifest; /* the manifest's path, for HELLO */
    uint32_t max_message; /* payload limit; frames may be CTL_FRAME_OVERHEAD more */
    uint32_t timeout_ms;  /* default request timeout (a CALL's timeout 0) */
    /* Called on the server thread when a client asks the whole system to
     * stop; the server goes on answering until ctl_server_stop. */
    void (*stop_all)(void *arg);
    void *stop_arg;
    /* Called on a helper thread for RELOAD (NULL: RELOAD is answered
     * ESTATE): applies the manifest again and returns a CTL_RELOAD_*
     * outcome with its report (malloc'd text, one line per change or
     * problem, each ending in '\n'; NULL when out of memory). */
    int (*reload)(void *arg, char **report);
    void *reload_arg;
    /* Called on the server thread for HOSTS (NULL: the system is in no
     * lattice): *lattice and *host (the lattice's name and this host's,
     * NUL-terminated, valid until hosts_free) and the live hosts
     * (wactor_lattice_hosts), which the server gives back to hosts_free.
     * Returns OK, or a WACTOR_E* code (answered as RESULT). It must not wait
     * for a runtime worker. */
    int (*hosts)(void *arg, const char **lattice, const char **host, wactor_host_info **v,
                 size_t *n);
    void (*hosts_free)(void *arg, wactor_host_info *v, size_t n);
    void *hosts_arg;
    /* Log lines about connections (refused, closed for a fault); NULL: none. */
    void (*log)(void *arg, int level, const char *text);
    void *log_arg;
} ctl_server_options;

/* Starts the server thread on l (taken in every case). NULL with err. */
ctl_server *ctl_server_start(ctl_listener *l, const ctl_server_options *o, char *err,
                             size_t errlen);
/* Stops the thread, cancels or waits out the calls in flight, joins the
 * stop helpers, closes every connection, removes the socket. NULL allowed.
 * Call before wactor_runtime_free. */
void ctl_server_stop(ctl_server *s);

/* ---- client -------------------------------------------------------------- */

typedef struct ctl_client ctl_client;

/* Connects to the socket at path and exchanges HELLO. CTL_CONNECTED with
 * *out set; CTL_ABSENT when no system answers there (no file, refused, a
 * path too long for a socket); CTL_BROKEN with err when something answers
 * but not the protocol. */
enum { CTL_CONNECTED = 0, CTL_ABSENT = 1, CTL_BROKEN = 2 };
int ctl_connect(const char *path, ctl_client **out, char *err, size_t errlen);
void ctl_client_free(ctl_client *c);

/* What HELLO told. */
int ctl_client_pid(const ctl_client *c);
uint32_t ctl_client_max_message(const ctl_client *c);

/* Each request below returns 0 when an answer arrived, or -1 with one line
 * in ctl_client_error (the connection broke, the answer was malformed, no
 * answer within the wait). */
const char *ctl_client_error(const ctl_client *c);

/* *result is the server's wactor_request result (OK, or a WACTOR_E*
 * refusal); when OK, *status and *answer (malloc'd, NULL when empty). */
int ctl_client_call(ctl_client *c, const char *target, const void *payload, size_t len,
                    uint32_t timeout_ms, int *result, int *status, void **answer,
                    size_t *answer_len);
/* *result: wactor_send's; wactor_stop's (target NULL: the whole system). */
int ctl_client_send(ctl_client *c, const char *target, const void *payload, size_t len,
                    int *result);
int ctl_client_stop(ctl_client *c, const char *target, int *result);
/* Asks the running system to apply its manifest again: *outcome a
 * CTL_RELOAD_* value and *report its lines (malloc'd, NUL-terminated, free
 * it). A server that refuses (RESULT) gives -1 with its message. */
int ctl_client_reload(ctl_client *c, int *outcome, char **report);
/* *out malloc'd (free it), *n entries; only the fields docs/CONTROL.md lists
 * are filled in. */
int ctl_client_status(ctl_client *c, wactor_stats **out, size_t *n);
/* The running system's lattice (HOSTS): 0 when an answer arrived. Then
 * *result is OK with *lattice (empty: the system is in no lattice), *host
 * (this host's name) and *v, *n (free all three: ctl_hosts_free for *v), or
 * the WACTOR_E* code of a RESULT, with its message in ctl_client_message
 * (an older server answers EINVAL "unknown request type 0x07" and closes the
 * connection: reconnect to go on). */
int ctl_client_hosts(ctl_client *c, int *result, char **lattice, char **host, wactor_host_info **v,
                     size_t *n);
/* Who messages whom (EDGES): *out malloc'd (free it), *n entries. */
int ctl_client_edges(ctl_client *c, wactor_edge **out, size_t *n);
/* The message of the last CTL_A_RESULT (e.g. "no component named x"). */
const char *ctl_client_message(const ctl_client *c);

/* ---- proto.c: the wire format -------------------------------------------- */

/* A growing output buffer; on allocation failure `failed` is set and
 * further puts are ignored. */
typedef struct ctl_buf {
    uint8_t *p;
    size_t len, cap;
    bool failed;
} ctl_buf;

/* Starts a frame of type t: length placeholder, version, type. */
void ctl_frame_begin(ctl_buf *b, uint8_t type);
/* Fills in the length; false if the buffer failed. */
bool ctl_frame_end(ctl_buf *b);
void ctl_put_u8(ctl_buf *b, uint8_t v);
void ctl_put_u32(ctl_buf *b, uint32_t v);
void ctl_put_u64(ctl_buf *b, uint64_t v);
void ctl_put_str(ctl_buf *b, const char *s, size_t len);  /* u16 length; len <= 65535 */
void ctl_put_blob(ctl_buf *b, const void *p, size_t len); /* u32 length */
void ctl_buf_free(ctl_buf *b);

/* Reading a frame's fields (after the version and type): every get
 * fails, and keeps failing, past the end. */
typedef struct ctl_reader {
    const uint8_t *p;
    size_t len, off;
    bool bad;
} ctl_reader;

uint8_t ctl_get_u8(ctl_reader *r);
uint32_t ctl_get_u32(ctl_reader *r);
uint64_t ctl_get_u64(ctl_reader *r);
/* A str16 or blob32 in place: *p points into the frame (not
 * NUL-terminated). */
const uint8_t *ctl_get_str(ctl_reader *r, size_t *len);
const uint8_t *ctl_get_blob(ctl_reader *r, size_t *len);
/* True if every byte was read and nothing was out of bounds. */
bool ctl_reader_done(const ctl_reader *r);

/* The status entry's encoding, shared by server and client. */
void ctl_put_stats(ctl_buf *b, const wactor_stats *st);
bool ctl_get_stats(ctl_reader *r, wactor_stats *st);

/* A HOSTS_LIST entry's encoding, shared by server and client (the
 * components NUL-terminated and malloc'd by ctl_get_host: free the hosts
 * with ctl_hosts_free). */
void ctl_put_host(ctl_buf *b, const wactor_host_info *h);
bool ctl_get_host(ctl_reader *r, wactor_host_info *h);
void ctl_hosts_free(wactor_host_info *v, size_t n); /* NULL allowed */

uint32_t ctl_be32(const uint8_t *p);
uint64_t ctl_now_ms(void); /* monotonic */

#endif
