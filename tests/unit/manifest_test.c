/*
 * manifest_test.c: the manifest parser (src/manifest/manifest.h) on
 * manifests written inline.
 *
 * - `example`: CLI.md's full example parses to exactly its values.
 * - `defaults`, `paths`, `nulls`, `env_config`: what is filled in when
 *   keys are absent, how paths are joined, null as absent.
 * - `storage_audit`: the storage and audit paths resolved (absolute,
 *   normalised) and checked against what exists, in a folder of its own.
 * - `errors`: a table of bad manifests, each with the exact position
 *   ("FILE:LINE:COLUMN: ") and a piece of the message that must appear
 *   (usually the key's dotted path).
 * - `truncations`, `mutations`, `hostile`: every prefix of the example,
 *   single-byte changes at every position, and crafted input (deep nesting,
 *   alias bombs, huge lists, NUL bytes): never a crash or a leak (run it
 *   under ASan), always a result or one error line.
 * - `lattice`: the lattice section, and a pure client without components.
 * - `http`: the http section, its defaults from runtime, its errors.
 * - `units`, `load`: the duration and size helpers; reading from a file.
 * - `documented`: docs/MANIFEST.md names every key the schema accepts (and
 *   no other), and its full example parses.
 *
 * Usage: manifest_test [TEST|all] [MANIFEST.md]
 */
#include "harness.h"
#include "manifest.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define FILE_NAME "proj/app.yaml"

/* CLI.md's example, verbatim (comments included). */
static const char example[] =
    "runtime:                      # optional section; defaults shown\n"
    "  workers: 0                  # scheduler threads; 0 = number of cores\n"
    "  storage: null               # directory for persistent component storage, relative to "
    "the\n"
    "                              # manifest's folder, created if missing; null = in memory\n"
    "  audit: null                 # file for the audit log (JSON lines), relative to the "
    "manifest's\n"
    "                              # folder; null = standard error\n"
    "  request_timeout: 30s        # used when a request gives timeout_ms <= 0, and by `wactor "
    "call`\n"
    "  max_message: 1MiB           # payloads and storage values\n"
    "supervisor:                   # restart intensity, for every component\n"
    "  max_restarts: 5\n"
    "  within: 10s\n"
    "components:\n"
    "  echo:                       # the component's name (ABI.md name syntax)\n"
    "    wasm: build/echo.wasm     # relative to the manifest's folder\n"
    "    config: \"any text\"        # optional; what the component's `config` import returns\n"
    "    env: { LEVEL: debug }     # optional; WASI environment\n"
    "    restart: permanent        # permanent | transient | temporary\n"
    "    limits:                   # optional; the values shown are examples; defaults in "
    "comments\n"
    "      memory: 16MiB           # max linear memory (default 64MiB)\n"
    "      fuel: 100000000         # per delivered message (default: unlimited)\n"
    "      time: 1s                # wall clock per delivered message (default 30s)\n"
    "      stack: 1000             # max call depth (default 20000)\n"
    "      mailbox: 10000          # max queued messages; senders then get EFULL (default "
    "10000)\n"
    "      pending: 10000          # max requests awaiting their callback (default 10000)\n"
    "    capabilities:             # deny by default: absent = not allowed\n"
    "      send: [\"orders\", \"billing.*\"]\n"
    "      request: [\"db\"]\n"
    "      publish: [\"events.>\"]\n"
    "      subscribe: [\"events.*\"]\n"
    "      storage: 1MiB           # quota; absent = no storage at all\n"
    "      wasi: [stdout, stderr, clock, random, env]\n";

static char err[512];

static mf_manifest *parse_as(const char *text, const char *path)
{
    err[0] = '\0';
    return mf_parse(text, strlen(text), path, err, sizeof err);
}

static mf_manifest *parse(const char *text)
{
    return parse_as(text, FILE_NAME);
}

static bool str_is(const char *got, const char *want)
{
    if (got != NULL && want != NULL && strcmp(got, want) == 0)
        return true;
    if (got == NULL && want == NULL)
        return true;
    fprintf(stderr, "  got \"%s\", expected \"%s\"\n", got ? got : "(null)",
            want ? want : "(null)");
    return false;
}

static bool patterns_are(const mf_patterns *p, const char *a, const char *b)
{
    size_t n = (a != NULL) + (b != NULL);
    return p->n == n && (a == NULL || str_is(p->v[0], a)) && (b == NULL || str_is(p->v[1], b));
}

static void test_example(void *arg)
{
    (void)arg;
    mf_manifest *m = parse(example);
    if (m == NULL)
        fprintf(stderr, "  %s\n", err);
    REQUIRE(m != NULL);
    CHECK(str_is(m->path, FILE_NAME));
    CHECK(str_is(m->dir, "proj"));
    CHECK(m->workers == 0);
    CHECK(m->storage == NULL);
    CHECK(m->audit == NULL);
    CHECK(m->request_timeout_ms == 30000);
    CHECK(m->max_message == 1u << 20);
    CHECK(m->max_module == UINT64_C(256) << 20);
    CHECK(m->max_restarts == 5);
    CHECK(m->within_ms == 10000);
    REQUIRE(m->ncomponents == 1);
    const mf_component *c = &m->components[0];
    CHECK(str_is(c->name, "echo"));
    CHECK(str_is(c->wasm, "proj/build/echo.wasm"));
    CHECK(c->line == 13 && c->column == 3);
    CHECK(c->has_config && c->config_len == 8 && str_is(c->config, "any text"));
    REQUIRE(c->env != NULL);
    CHECK(str_is(c->env[0], "LEVEL=debug"));
    CHECK(c->env[1] == NULL);
    CHECK(c->restart == MF_RESTART_PERMANENT);
    CHECK(c->memory == 16u << 20);
    CHECK(c->fuel == 100000000);
    CHECK(c->time_ms == 1000);
    CHECK(c->stack == 1000);
    CHECK(c->mailbox == 10000);
    CHECK(c->pending == 10000);
    CHECK(patterns_are(&c->send, "orders", "billing.*"));
    CHECK(patterns_are(&c->request, "db", NULL));
    CHECK(patterns_are(&c->publish, "events.>", NULL));
    CHECK(patterns_are(&c->subscribe, "events.*", NULL));
    CHECK(c->storage == 1 << 20);
    CHECK(c->wasi ==
          (MF_WASI_STDOUT | MF_WASI_STDERR | MF_WASI_CLOCK | MF_WASI_RANDOM | MF_WASI_ENV));
    CHECK(strcmp(mf_restart_name(c->restart), "permanent") == 0);
    mf_free(m);
}

static void test_defaults(void *arg)
{
    (void)arg;
    mf_manifest *m = parse("components:\n  a:\n    wasm: a.wasm\n  b.c-d_e:\n    wasm: /x/b.wasm\n"
                           "    restart: transient\n  z:\n    wasm: z.wasm\n"
                           "    restart: temporary\n");
    if (m == NULL)
        fprintf(stderr, "  %s\n", err);
    REQUIRE(m != NULL);
    CHECK(m->workers == 0 && m->storage == NULL && m->audit == NULL);
    CHECK(m->request_timeout_ms == MF_DEFAULT_REQUEST_TIMEOUT_MS);
    CHECK(m->max_message == MF_DEFAULT_MAX_MESSAGE && m->max_message == 1u << 20);
    CHECK(m->max_module == MF_DEFAULT_MAX_MODULE && m->max_module == UINT64_C(256) << 20);
    CHECK(m->max_restarts == 5 && m->within_ms == 10000);
    REQUIRE(m->ncomponents == 3);
    const mf_component *c = &m->components[0];
    CHECK(str_is(c->name, "a"));
    CHECK(str_is(c->wasm, "proj/a.wasm"));
    CHECK(c->line == 2 && c->column == 3);
    CHECK(!c->has_config && c->config == NULL && c->config_len == 0);
    CHECK(c->env == NULL);
    CHECK(c->restart == MF_RESTART_PERMANENT);
    CHECK(c->memory == UINT64_C(64) << 20);
    CHECK(c->fuel == -1);
    CHECK(c->time_ms == 30000);
    CHECK(c->stack == 20000);
    CHECK(c->mailbox == 10000 && c->pending == 10000);
    CHECK(c->send.n == 0 && c->request.n == 0 && c->publish.n == 0 && c->subscribe.n == 0);
    CHECK(c->storage == -1);
    CHECK(c->wasi == 0);
    CHECK(str_is(m->components[1].name, "b.c-d_e"));
    CHECK(str_is(m->components[1].wasm, "/x/b.wasm"));
    CHECK(m->components[1].restart == MF_RESTART_TRANSIENT);
    CHECK(m->components[1].line == 4);
    CHECK(m->components[2].restart == MF_RESTART_TEMPORARY);
    CHECK(c->tier == MF_TIER_AUTO && m->cache == NULL);
    mf_free(m);
    /* Each tier. */
    m = parse("components:\n  a: {wasm: a, tier: interp}\n  b: {wasm: b, tier: aot}\n"
              "  c: {wasm: c, tier: auto}\n  d: {wasm: d, tier: ~}\n");
    REQUIRE(m != NULL && m->ncomponents == 4);
    CHECK(m->components[0].tier == MF_TIER_INTERP && m->components[1].tier == MF_TIER_AOT);
    CHECK(m->components[2].tier == MF_TIER_AUTO && m->components[3].tier == MF_TIER_AUTO);
    mf_free(m);
    /* runtime.max_module's bounds, both taken. */
    m = parse("runtime: {max_module: 1KiB}\ncomponents: {a: {wasm: a}}\n");
    CHECK(m != NULL && m->max_module == 1024);
    mf_free(m);
    m = parse("runtime: {max_module: 4GiB}\ncomponents: {a: {wasm: a}}\n");
    CHECK(m != NULL && m->max_module == UINT64_C(4) << 30);
    mf_free(m);
}

/* "A/B" in a static buffer, for expected paths. */
static const char *joined(const char *a, const char *b)
{
    static char buf[2][4096];
    static int which;
    which ^= 1;
    snprintf(buf[which], sizeof buf[which], "%s/%s", a, b);
    return buf[which];
}

/* Paths: module paths joined to the manifest's folder, absolute ones kept;
 * storage and audit absolute and normalised. */
static void test_paths(void *arg)
{
    (void)arg;
    char cwd[2048];
    REQUIRE(getcwd(cwd, sizeof cwd) != NULL);
    static const struct {
        const char *manifest, *dir, *wasm, *storage;
        bool relative; /* storage is under the current folder */
    } cases[] = {
        {"app.yaml", ".", "w/e.wasm", "data", true},
        {"./app.yaml", ".", "w/e.wasm", "data", true},
        {"/etc/wactor/app.yaml", "/etc/wactor", "/etc/wactor/w/e.wasm", "/etc/wactor/data", false},
        {"/app.yaml", "/", "/w/e.wasm", "/data", false},
        {"a//b//app.yaml", "a//b", "a//b/w/e.wasm", "a/b/data", true},
        {"a/./b/../c/app.yaml", "a/./b/../c", "a/./b/../c/w/e.wasm", "a/c/data", true},
        {NULL, ".", "w/e.wasm", "data", true},
    };
    /* The audit file's folder must exist: / does. */
    const char *text = "runtime:\n  storage: data\n  audit: /tmp/x/../../tmp/./audit.jsonl\n"
                       "components:\n  e: {wasm: w/e.wasm}\n  f: {wasm: /abs/f.wasm}\n";
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        mf_manifest *m = parse_as(text, cases[i].manifest);
        if (m == NULL)
            fprintf(stderr, "  %s\n", err);
        REQUIRE(m != NULL);
        CHECK(str_is(m->path, cases[i].manifest ? cases[i].manifest : "<manifest>"));
        CHECK(str_is(m->dir, cases[i].dir));
        CHECK(str_is(m->components[0].wasm, cases[i].wasm));
        CHECK(str_is(m->components[1].wasm, "/abs/f.wasm"));
        CHECK(str_is(m->storage,
                     cases[i].relative ? joined(cwd, cases[i].storage) : cases[i].storage));
        CHECK(str_is(m->audit, "/tmp/audit.jsonl"));
        mf_free(m);
    }
}

/* runtime.control: default .wactor/FILE.sock beside the manifest, null for
 * none, an explicit path resolved like storage, too long for a socket
 * refused with its line and column. */
static void test_control(void *arg)
{
    (void)arg;
    char cwd[2048];
    REQUIRE(getcwd(cwd, sizeof cwd) != NULL);
    const char *c0 = "components:\n  e: {wasm: e.wasm}\n";
    mf_manifest *m = parse_as(c0, "/srv/app/prod.yaml");
    REQUIRE(m != NULL);
    CHECK(str_is(m->control, "/srv/app/.wactor/prod.yaml.sock"));
    mf_free(m);
    m = parse_as(c0, "dev.yaml");
    REQUIRE(m != NULL);
    CHECK(str_is(m->control, joined(cwd, ".wactor/dev.yaml.sock")));
    mf_free(m);
    m = parse_as(c0, NULL); /* no file: no default */
    REQUIRE(m != NULL);
    CHECK(m->control == NULL);
    mf_free(m);
    m = parse_as("runtime: {control: null}\ncomponents:\n  e: {wasm: e.wasm}\n", "/a/app.yaml");
    REQUIRE(m != NULL);
    CHECK(m->control == NULL);
    mf_free(m);
    m = parse_as("runtime: {control: ../run/x.sock}\ncomponents:\n  e: {wasm: e.wasm}\n",
                 "/a/b/app.yaml");
    REQUIRE(m != NULL);
    CHECK(str_is(m->control, "/a/run/x.sock"));
    mf_free(m);
    char text[512];
    snprintf(text, sizeof text,
             "runtime:\n  control: /%0120d.sock\ncomponents:\n  e: {wasm: e.wasm}\n", 0);
    m = parse_as(text, "/a/app.yaml");
    CHECK(m == NULL);
    CHECK(strstr(err, "/a/app.yaml:2:12: runtime.control:") != NULL);
    CHECK(strstr(err, "holds at most 107") != NULL);
    mf_free(m);
    m = parse_as("runtime: {control: sock/}\ncomponents:\n  e: {wasm: e.wasm}\n", "/a/app.yaml");
    CHECK(m == NULL);
    CHECK(strstr(err, "names a folder") != NULL);
    mf_free(m);
}

/* The http section: defaults (some taken from runtime, whichever comes
 * first in the file), every key, and its errors with their positions. */
static void test_http(void *arg)
{
    (void)arg;
    mf_manifest *m = parse("components:\n  e: {wasm: e.wasm}\nhttp: ~\n");
    REQUIRE(m != NULL);
    CHECK(m->http == NULL);
    mf_free(m);
    m = parse("http: {}\ncomponents:\n  e: {wasm: e.wasm}\n"
              "runtime: {request_timeout: 7s, max_message: 2MiB}\n");
    REQUIRE(m != NULL && m->http != NULL);
    CHECK(str_is(m->http->address, "127.0.0.1") && m->http->port == 8080);
    CHECK(m->http->nroutes == 0 && m->http->routes == NULL);
    CHECK(m->http->timeout_ms == 7000 && m->http->max_body == (2u << 20));
    CHECK(!m->http->metrics && !m->http->dashboard);
    CHECK(m->http->line == 1 && m->http->column == 1);
    mf_free(m);
    m = parse("components:\n  e: {wasm: e.wasm}\nhttp:\n  listen: \"[::1]:0\"\n"
              "  routes: {/: e, /api/v1/: other.name, /x: e}\n  timeout: 250ms\n"
              "  max_body: 1KiB\n  metrics: true\n  dashboard: false\n");
    REQUIRE(m != NULL && m->http != NULL);
    CHECK(str_is(m->http->address, "::1") && m->http->port == 0);
    REQUIRE(m->http->nroutes == 3);
    CHECK(str_is(m->http->routes[1].prefix, "/api/v1/"));
    CHECK(str_is(m->http->routes[1].component, "other.name"));
    CHECK(m->http->timeout_ms == 250 && m->http->max_body == 1024);
    CHECK(m->http->metrics && !m->http->dashboard);
    mf_free(m);
    static const struct {
        const char *text, *where, *says;
    } bads[] = {
        {"http: {listen: localhost:80}\n", "1:16", "http.listen: expected ADDRESS:PORT"},
        {"http: {listen: 127.0.0.1:65536}\n", "1:16", "http.listen"},
        {"http: {listen: \"127.0.0.1:\"}\n", "1:16", "http.listen"},
        {"http: {listen: \"::1:80\"}\n", "1:16", "http.listen"},
        {"http: {routes: {echo: e}}\n", "1:17", "not a valid path prefix"},
        {"http: {routes: {\"/a b\": e}}\n", "1:17", "not a valid path prefix"},
        {"http: {routes: {/a: \"b..c\"}}\n", "1:21", "not a valid component name"},
        {"http: {routes: {/a: e, /b: e, /a: f}}\n", "1:31", "duplicate route \"/a\""},
        {"http: {routes: [a]}\n", "1:16", "http.routes: expected a mapping"},
        {"http: {metrics: yes}\n", "1:17", "http.metrics: expected true or false"},
        {"http: {max_body: 2MiB}\n", "1:18", "larger than runtime.max_message"},
        {"http: {timeout: 0}\n", "1:17", "http.timeout"},
        {"http: {port: 80}\n", "1:8", "unknown key \"port\" in http"},
        {"http: [1]\n", "1:7", "http: expected a mapping"},
    };
    for (size_t i = 0; i < sizeof bads / sizeof bads[0]; i++) {
        char text[256], prefix[64];
        snprintf(text, sizeof text, "%scomponents:\n  e: {wasm: e.wasm}\n", bads[i].text);
        m = parse(text);
        snprintf(prefix, sizeof prefix, FILE_NAME ":%s: ", bads[i].where);
        bool ok = m == NULL && strncmp(err, prefix, strlen(prefix)) == 0 &&
                  strstr(err, bads[i].says) != NULL;
        if (!ok) {
            fprintf(stderr, "http case %zu: %s\n  got:      %s\n  expected: %s... %s\n", i,
                    bads[i].text, m ? "(a manifest)" : err, prefix, bads[i].says);
            test_failures++;
        }
        mf_free(m);
    }
}

/* The lattice section: defaults, every key, a pure client (no
 * components), null as absent. */
static void test_lattice(void *arg)
{
    (void)arg;
    mf_manifest *m = parse("components:\n  e: {wasm: e.wasm}\n");
    REQUIRE(m != NULL);
    CHECK(m->lattice == NULL);
    mf_free(m);
    m = parse("lattice: ~\ncomponents:\n  e: {wasm: e.wasm}\n");
    REQUIRE(m != NULL);
    CHECK(m->lattice == NULL);
    mf_free(m);
    /* Defaults. */
    m = parse("lattice: {}\ncomponents:\n  e: {wasm: e.wasm}\n");
    REQUIRE(m != NULL && m->lattice != NULL);
    CHECK(str_is(m->lattice->url, "nats://127.0.0.1:4222"));
    CHECK(str_is(m->lattice->name, "default"));
    CHECK(m->lattice->host == NULL);
    CHECK(m->lattice->heartbeat_ms == 1000);
    CHECK(m->lattice->credentials == NULL);
    CHECK(m->lattice->line == 1 && m->lattice->column == 1);
    CHECK(m->ncomponents == 1);
    mf_free(m);
    /* Every key; nulls are defaults. */
    m = parse("components:\n  e: {wasm: e.wasm}\nlattice:\n"
              "  url: \" nats://a:4222 , tls://b:4223\"\n"
              "  name: prod_eu-1\n  host: web.eu-1\n  heartbeat: 250ms\n"
              "  credentials: ../keys/app.creds\n");
    REQUIRE(m != NULL && m->lattice != NULL);
    CHECK(str_is(m->lattice->url, "nats://a:4222,tls://b:4223"));
    CHECK(str_is(m->lattice->name, "prod_eu-1"));
    CHECK(str_is(m->lattice->host, "web.eu-1"));
    CHECK(m->lattice->heartbeat_ms == 250);
    CHECK(str_is(m->lattice->credentials, "proj/../keys/app.creds"));
    CHECK(m->lattice->line == 3 && m->lattice->column == 1);
    mf_free(m);
    m = parse("lattice: {url: ~, name: null, host: , heartbeat: ~, credentials: ~}\n");
    REQUIRE(m != NULL && m->lattice != NULL);
    CHECK(str_is(m->lattice->url, "nats://127.0.0.1:4222"));
    CHECK(str_is(m->lattice->name, "default"));
    CHECK(m->lattice->host == NULL && m->lattice->credentials == NULL);
    mf_free(m);
    m = parse("lattice: {credentials: /etc/nats/x.creds, heartbeat: 60m}\n");
    REQUIRE(m != NULL && m->lattice != NULL);
    CHECK(str_is(m->lattice->credentials, "/etc/nats/x.creds"));
    CHECK(m->lattice->heartbeat_ms == 3600000);
    mf_free(m);
    /* A pure client: components absent, null or empty. */
    static const char *const clients[] = {"lattice: {name: a}\n",
                                          "lattice: {name: a}\ncomponents:\n",
                                          "components: {}\nlattice: {name: a}\n"};
    for (size_t i = 0; i < sizeof clients / sizeof clients[0]; i++) {
        m = parse(clients[i]);
        if (m == NULL)
            fprintf(stderr, "  %s: %s\n", clients[i], err);
        CHECK(m != NULL && m->ncomponents == 0 && m->components == NULL && m->lattice != NULL);
        mf_free(m);
    }
    /* Without a lattice, no components is still an error, wherever it is. */
    m = parse("components: {}\nruntime: {workers: 1}\n");
    CHECK(m == NULL && strstr(err, "proj/app.yaml:1:13: components:") != NULL &&
          strstr(err, "needs a lattice section") != NULL);
    mf_free(m);
    /* validate's mode: every problem, lattice ones included. */
    const char *two = "lattice: {heartbeat: 1ms, name: a.b}\n";
    err[0] = '\0';
    m = mf_parse_all(two, strlen(two), FILE_NAME, err, sizeof err);
    CHECK(m == NULL && strstr(err, "1:22: lattice.heartbeat") != NULL &&
          strstr(err, "1:33: lattice.name") != NULL);
    mf_free(m);
}

/* The storage and audit paths against a real folder D: the manifest is
 * D/m/app.yaml, D/m/file a file. Resolved, or refused with a clear line;
 * nothing is created. */
static void test_storage_audit(void *arg)
{
    (void)arg;
    char d[] = "/tmp/manifest_test.XXXXXX";
    REQUIRE(mkdtemp(d) != NULL);
    char m_dir[64], manifest[128], file[128];
    snprintf(m_dir, sizeof m_dir, "%s/m", d);
    snprintf(manifest, sizeof manifest, "%s/app.yaml", m_dir);
    snprintf(file, sizeof file, "%s/file", m_dir);
    REQUIRE(mkdir(m_dir, 0700) == 0);
    FILE *f = fopen(file, "w");
    REQUIRE(f != NULL);
    fclose(f);

    static const struct {
        const char *storage, *audit;           /* NULL: absent */
        const char *want_storage, *want_audit; /* "D" stands for the folder */
    } good[] = {
        {"./x/../data//", "../audit.jsonl", "D/m/data", "D/audit.jsonl"},
        {".", "audit.jsonl", "D/m", "D/m/audit.jsonl"},
        {"deep/er/still", "file", "D/m/deep/er/still", "D/m/file"},
        {"/abs/../y", "/dev/null", "/y", "/dev/null"},
        {"..", "/tmp/./x/../a.jsonl", "D", "/tmp/a.jsonl"},
    };
    const char *one = "components:\n  a:\n    wasm: a.wasm\n";
    char text[1024], want[512];
    /* runtime.cache: a folder, resolved as storage is. */
    snprintf(text, sizeof text, "runtime:\n  cache: ./x/../aot//\n%s", one);
    mf_manifest *cm = parse_as(text, manifest);
    REQUIRE(cm != NULL);
    snprintf(want, sizeof want, "%s/m/aot", d);
    CHECK(str_is(cm->cache, want));
    mf_free(cm);
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        snprintf(text, sizeof text, "runtime:\n  storage: %s\n  audit: %s\n%s", good[i].storage,
                 good[i].audit, one);
        mf_manifest *m = parse_as(text, manifest);
        if (m == NULL)
            fprintf(stderr, "  %s\n", err);
        CHECK(m != NULL);
        if (m != NULL) {
            const char *ws = good[i].want_storage, *wa = good[i].want_audit;
            snprintf(want, sizeof want, "%s%s", ws[0] == 'D' ? d : "", ws + (ws[0] == 'D'));
            CHECK(str_is(m->storage, want));
            snprintf(want, sizeof want, "%s%s", wa[0] == 'D' ? d : "", wa + (wa[0] == 'D'));
            CHECK(str_is(m->audit, want));
        }
        mf_free(m);
    }

    static const struct {
        const char *key, *value;
        const char *says; /* after "FILE:LINE:COLUMN: runtime.KEY: "; "D" is the folder */
    } bads[] = {
        {"storage", "../../../../../../../../../../../../../../../../../../../../../x",
         "\"../../../../../../../../../../../../../....\" climbs above / from D/m"},
        {"storage", "/..", "\"/..\" climbs above /"},
        {"audit", "/a/../../b.jsonl", "\"/a/../../b.jsonl\" climbs above /"},
        {"storage", "file", "D/m/file is a file, not a folder"},
        {"storage", "file/sub", "D/m/file/sub cannot be created: D/m/file is a file, not a folder"},
        {"storage", "/dev/null", "/dev/null is not a folder"},
        {"cache", "file", "D/m/file is a file, not a folder"},
        {"cache", "/..", "\"/..\" climbs above /"},
        {"audit", "nowhere/audit.jsonl",
         "the folder D/m/nowhere does not exist (the audit file is created, its folder is not)"},
        {"audit", "nowhere/deeper/audit.jsonl",
         "the folder D/m/nowhere/deeper does not exist (the audit file is created, its folder is "
         "not)"},
        {"audit", "file/audit.jsonl",
         "D/m/file/audit.jsonl cannot be created: D/m/file is a file, not a folder"},
        {"audit", "../m", "D/m is a folder, not a file"},
        {"audit", "/", "\"/\" names a folder: expected a file"},
        {"audit", ".", "\".\" names a folder: expected a file"},
        {"audit", "logs/", "\"logs/\" names a folder: expected a file"},
        {"audit", "x/..", "\"x/..\" names a folder: expected a file"},
    };
    for (size_t i = 0; i < sizeof bads / sizeof bads[0]; i++) {
        snprintf(text, sizeof text, "runtime:\n  %s: \"%s\"\n%s", bads[i].key, bads[i].value, one);
        int o = snprintf(want, sizeof want, "%s:2:%zu: runtime.%s: ", manifest,
                         strlen(bads[i].key) + 5, bads[i].key);
        for (const char *p = bads[i].says; *p && (size_t)o + 256 < sizeof want; p++)
            o += *p == 'D' ? snprintf(want + o, sizeof want - (size_t)o, "%s", d)
                           : snprintf(want + o, sizeof want - (size_t)o, "%c", *p);
        mf_manifest *m = parse_as(text, manifest);
        bool refused = m == NULL && str_is(err, want);
        CHECK(refused);
        if (!refused)
            fprintf(stderr, "  case %zu: %s\n", i, text);
        mf_free(m);
    }

    /* validate's mode lists both. */
    snprintf(text, sizeof text, "runtime:\n  storage: file\n  audit: nowhere/a\n%s", one);
    err[0] = '\0';
    CHECK(mf_parse_all(text, strlen(text), manifest, err, sizeof err) == NULL);
    snprintf(want, sizeof want, "%s:2:12: runtime.storage: %s/m/file is a file", manifest, d);
    CHECK(strstr(err, want) == err);
    snprintf(want, sizeof want, "\n%s:3:10: runtime.audit: the folder %s/m/nowhere does not",
             manifest, d);
    CHECK(strstr(err, want) != NULL);

    /* Nothing was created: D/m holds only its file. */
    struct stat st;
    CHECK(stat(joined(m_dir, "data"), &st) != 0 && stat(joined(m_dir, "deep"), &st) != 0);
    CHECK(stat(joined(m_dir, "nowhere"), &st) != 0 && stat(joined(d, "audit.jsonl"), &st) != 0);
    unlink(file);
    rmdir(m_dir);
    CHECK(rmdir(d) == 0);
}

/* An optional key set to null is the same as absent; quoted "null" is text. */
static void test_nulls(void *arg)
{
    (void)arg;
    mf_manifest *m = parse("runtime:\nsupervisor: ~\ncomponents:\n  a:\n    wasm: a.wasm\n"
                           "    config: null\n    env:\n    restart: ~\n    limits: NULL\n"
                           "    capabilities:\n      send:\n      storage: ~\n      wasi: Null\n"
                           "  b:\n    wasm: b.wasm\n    limits: {memory: ~, fuel: ~}\n"
                           "    config: \"null\"\n    capabilities: {storage: 1KiB}\n");
    if (m == NULL)
        fprintf(stderr, "  %s\n", err);
    REQUIRE(m != NULL);
    REQUIRE(m->ncomponents == 2);
    const mf_component *a = &m->components[0], *b = &m->components[1];
    CHECK(!a->has_config && a->env == NULL && a->restart == MF_RESTART_PERMANENT);
    CHECK(a->send.n == 0 && a->storage == -1 && a->wasi == 0);
    CHECK(b->memory == UINT64_C(64) << 20 && b->fuel == -1);
    CHECK(b->has_config && str_is(b->config, "null"));
    CHECK(b->storage == 1024);
    mf_free(m);
}

static void test_env_config(void *arg)
{
    (void)arg;
    mf_manifest *m = parse("components:\n  a:\n    wasm: a.wasm\n    config: \"x\\0y\\u00e9\"\n"
                           "    env:\n      B: \"two words\"\n      A: 1\n      EMPTY: \"\"\n"
                           "      BLANK:\n      'odd name': v=w\n"
                           "  b:\n    wasm: b.wasm\n    config: |\n      line one\n      line two\n"
                           "    env: {}\n"
                           "  c:\n    wasm: c.wasm\n    config: ''\n"
                           "    capabilities: {wasi: [env, env], send: [a, a]}\n");
    if (m == NULL)
        fprintf(stderr, "  %s\n", err);
    REQUIRE(m != NULL);
    const mf_component *a = &m->components[0];
    /* config keeps NUL bytes: use config_len. */
    CHECK(a->has_config && a->config_len == 5 && memcmp(a->config, "x\0y\xc3\xa9", 5) == 0);
    REQUIRE(a->env != NULL);
    CHECK(str_is(a->env[0], "B=two words"));
    CHECK(str_is(a->env[1], "A=1"));
    CHECK(str_is(a->env[2], "EMPTY="));
    CHECK(str_is(a->env[3], "BLANK="));
    CHECK(str_is(a->env[4], "odd name=v=w"));
    CHECK(a->env[5] == NULL);
    const mf_component *b = &m->components[1];
    CHECK(b->has_config && str_is(b->config, "line one\nline two\n"));
    CHECK(b->env == NULL);
    const mf_component *c = &m->components[2];
    CHECK(c->has_config && c->config_len == 0 && str_is(c->config, ""));
    CHECK(c->wasi == MF_WASI_ENV);
    CHECK(patterns_are(&c->send, "a", "a"));
    mf_free(m);
}

/* Bad manifests: the exact position and a piece of the message. */
typedef struct bad {
    const char *text;
    const char *where; /* "LINE:COLUMN" */
    const char *says;  /* a substring of the message */
} bad;

#define C0 "components:\n  a:\n    wasm: a.wasm\n"
#define C1 "components:\n  a:\n    wasm: a.wasm\n    "
#define L1 "components:\n  a:\n    wasm: a.wasm\n    limits:\n      "
#define K1 "components:\n  a:\n    wasm: a.wasm\n    capabilities:\n      "
/* Three components a, b, c, then a groups section. */
#define G3 "components:\n  a: {wasm: a.wasm}\n  b: {wasm: a.wasm}\n  c: {wasm: a.wasm}\ngroups:\n"

static const bad bads[] = {
    /* Supervision groups. */
    {G3 "  g: {members: [a, x]}\n", "6:20",
     "groups.g.members: unknown member \"x\": no component of that name"},
    {"templates:\n  t: {wasm: a.wasm}\n" G3 "  g: {members: [t]}\n", "8:17",
     "unknown member \"t\": no component of that name (it is a template"},
    {G3 "  g: {members: [a, b]}\n  h: {members: [c, b]}\n", "7:20",
     "groups.h.members: \"b\" is already a member of group \"g\" (line 6)"},
    {G3 "  g: {members: [a, a]}\n", "6:20", "groups.g.members: \"a\" is named twice"},
    {G3 "  g: {strategy: one_for_some, members: [a]}\n", "6:17",
     "groups.g.strategy: expected one_for_one, one_for_all or rest_for_one, got \"one_for_some\""},
    {G3 "  g: {members: []}\n", "6:16", "groups.g.members: expected at least one member"},
    {G3 "  g: {strategy: one_for_all}\n", "6:3", "groups.g: missing key \"members\""},
    {G3 "  g: {members: [a], max_restart: 1}\n", "6:21",
     "unknown key \"max_restart\" in groups.g (expected strategy, members, max_restarts or "
     "within)"},
    {G3 "  g: {members: [a], max_restarts: -1}\n", "6:35", "groups.g.max_restarts: expected"},
    {G3 "  g: {members: [a], within: 0s}\n", "6:29",
     "groups.g.within: expected a duration from 1ms"},
    {G3 "  g..h: {members: [a]}\n", "6:3", "groups: \"g..h\" is not a valid group name"},
    {G3 "  g: {members: [a]}\n  g: {members: [b]}\n", "7:3",
     "groups: duplicate group name \"g\" (first at line 6)"},
    {G3 "  g: [a]\n", "6:6", "groups.g: expected a mapping"},
    /* The whole document. */
    {"", "1:1", "the manifest is empty"},
    {"# only a comment\n", "1:1", "the manifest is empty"},
    {"~\n", "1:1", "expected a mapping with a \"components\" key at the top level, got nothing"},
    {"- a\n- b\n", "1:1", "got a sequence"},
    {"hello\n", "1:1", "got \"hello\""},
    {"runtime: {}\n", "1:1", "missing key \"components\""},
    {C0 "---\n" C0, "4:1", "expected one YAML document"},
    /* YAML syntax, reported by libyaml. */
    {"components:\n  a: [\n", "3:1", "invalid YAML: did not find expected node content"},
    {"components: {a: b\n", "2:1", "invalid YAML:"},
    {"a: b: c\n", "1:5", "invalid YAML: mapping values are not allowed in this context"},
    {"components:\n\ta: x\n", "2:1", "invalid YAML: found character that cannot start any token"},
    {"key: \"unterminated\n", "2:1", "invalid YAML: found unexpected end of stream"},
    {"a: *nope\n", "1:4", "invalid YAML: found undefined alias"},
    {"components: x\x01y\n", "1:14", "invalid YAML: control characters are not allowed"},
    {"c: \xff\n", "1:4", "invalid YAML: invalid leading UTF-8 octet"},
    {"runtime:\n  workers: 1\n runtime: 2\n", "3:2", "invalid YAML"},
    /* Unknown and repeated keys, at every level. */
    {"runtimes: {}\n" C0, "1:1",
     "unknown key \"runtimes\" at the top level (expected runtime, "
     "supervisor, components, lattice, http, templates or groups)"},
    {C0 "workers: 1\n", "4:1", "unknown key \"workers\" at the top level"},
    {"runtime:\n  threads: 4\n" C0, "2:3",
     "unknown key \"threads\" in runtime (expected workers, "
     "storage, audit, request_timeout, max_message, max_module, control, trace or cache)"},
    {"supervisor: {max_restart: 1}\n" C0, "1:14", "unknown key \"max_restart\" in supervisor"},
    {C1 "wasi: [stdout]\n", "4:5",
     "unknown key \"wasi\" in components.a (expected wasm, config, "
     "env, restart, limits, capabilities, health or tier)"},
    {L1 "memroy: 1MiB\n", "5:7", "unknown key \"memroy\" in components.a.limits"},
    {K1 "kv: 1MiB\n", "5:7", "unknown key \"kv\" in components.a.capabilities"},
    {K1 "send: []\n      send: [a]\n", "6:7",
     "duplicate key \"send\" in components.a.capabilities"},
    {"runtime: {workers: 1, workers: 2}\n" C0, "1:23", "duplicate key \"workers\" in runtime"},
    {C0 "components: {}\n", "4:1", "duplicate key \"components\" at the top level"},
    {C1 "wasm: b.wasm\n", "4:5", "duplicate key \"wasm\" in components.a"},
    {"? [x]\n: y\n" C0, "1:3", "expected a key at the top level, got a sequence"},
    {"runtime: {[a]: 1}\n" C0, "1:11", "expected a key in runtime, got a sequence"},
    {"components:\n  \"\": {wasm: a.wasm}\n", "2:3", "\"\" is not a valid component name"},
    /* Wrong types. */
    {"runtime: 1\n" C0, "1:10", "runtime: expected a mapping"},
    {"runtime: [a]\n" C0, "1:10", "runtime: expected a mapping (key: value), got a sequence"},
    {"supervisor: x\n" C0, "1:13", "supervisor: expected a mapping"},
    {"components: [a]\n", "1:13", "components: expected a mapping of component names"},
    {"components: a\n", "1:13", "components: expected a mapping"},
    {"components:\n", "1:12", "with at least one component, got nothing"},
    {"components: {}\n", "1:13", "with at least one component, got none"},
    /* The lattice section. */
    {"lattice: ~\n", "1:1", "missing key \"components\""},
    {"lattice: 1\n", "1:10", "lattice: expected a mapping"},
    {"lattice: [a]\n", "1:10", "lattice: expected a mapping"},
    {"lattice: {urls: x}\n", "1:11",
     "unknown key \"urls\" in lattice (expected url, name, host, heartbeat or credentials)"},
    {"lattice: {name: a, name: b}\n", "1:20", "duplicate key \"name\" in lattice"},
    {"lattice: {url: \"\"}\n", "1:16", "lattice.url: expected NATS server URLs"},
    {"lattice: {url: \"nats://a:1,,nats://b:2\"}\n", "1:16", "(an empty URL)"},
    {"lattice: {url: \"nats://a:1,\"}\n", "1:16", "(an empty URL)"},
    {"lattice: {url: \"nats://a b:1\"}\n", "1:16", "(a URL with a space or a control byte)"},
    {"lattice: {url: [nats://a:1]}\n", "1:16", "lattice.url: expected a scalar"},
    {"lattice: {name: a.b}\n", "1:17", "lattice.name: \"a.b\" is not a valid lattice name"},
    {"lattice: {name: \"\"}\n", "1:17", "lattice.name: \"\" is not a valid lattice name"},
    {"lattice: {name: \"a*\"}\n", "1:17", "is not a valid lattice name"},
    {"lattice: {name: {a: 1}}\n", "1:17", "lattice.name: expected a scalar"},
    {"lattice: {host: \"a..b\"}\n", "1:17", "lattice.host: \"a..b\" is not a valid host name"},
    {"lattice: {host: \"h 1\"}\n", "1:17", "lattice.host: \"h 1\" is not a valid host name"},
    {"lattice: {heartbeat: 9ms}\n", "1:22",
     "lattice.heartbeat: expected a duration from 10ms to 60m, got \"9ms\""},
    {"lattice: {heartbeat: 61m}\n", "1:22", "lattice.heartbeat: expected a duration from 10ms"},
    {"lattice: {heartbeat: 1h}\n", "1:22", "lattice.heartbeat: expected a duration such as"},
    {"lattice: {heartbeat: 0}\n", "1:22", "lattice.heartbeat: expected a duration from"},
    {"lattice: {credentials: \"\"}\n", "1:24", "lattice.credentials: expected a path"},
    {"lattice:\n  url: nats://x:1\n  bogus: 1\n", "3:3", "unknown key \"bogus\" in lattice"},
    {"lattice: {}\ncomponents:\n  a: {wasm: a.wasm, bogus: 1}\n", "3:21",
     "unknown key \"bogus\" in components.a"},
    {"components:\n  a: a.wasm\n", "2:6",
     "components.a: expected a mapping with at least the key "
     "\"wasm\", got \"a.wasm\""},
    {"components:\n  a:\n", "2:5", "components.a: expected a mapping"},
    {"components:\n  a: [x]\n", "2:6", "components.a: expected a mapping"},
    {"components:\n  [a]: {wasm: a}\n", "2:3", "components: expected a scalar"},
    {C1 "limits: 5\n", "4:13", "components.a.limits: expected a mapping"},
    {C1 "capabilities: [send]\n", "4:19", "components.a.capabilities: expected a mapping"},
    {C1 "env: [A=1]\n", "4:10", "components.a.env: expected a mapping"},
    {C1 "config: {a: 1}\n", "4:13", "components.a.config: expected a scalar"},
    {C1 "config: [a]\n", "4:13", "components.a.config: expected a scalar"},
    {K1 "send: orders\n", "5:13", "components.a.capabilities.send: expected a sequence"},
    {K1 "send: [[a]]\n", "5:14", "components.a.capabilities.send: expected a scalar"},
    {K1 "subscribe: {a: 1}\n", "5:18", "components.a.capabilities.subscribe: expected a sequence"},
    {K1 "wasi: stdout\n", "5:13", "components.a.capabilities.wasi: expected a sequence"},
    {K1 "storage: [1]\n", "5:16", "components.a.capabilities.storage: expected a scalar"},
    {L1 "memory: {a: 1}\n", "5:15", "components.a.limits.memory: expected a scalar"},
    {"runtime:\n  workers: [1]\n" C0, "2:12", "runtime.workers: expected a scalar"},
    /* Missing wasm, bad paths. */
    {"components:\n  a:\n    config: x\n", "2:3", "components.a: missing key \"wasm\""},
    {"components:\n  a: {}\n", "2:3", "components.a: missing key \"wasm\""},
    {"components:\n  a:\n    wasm:\n", "3:10", "components.a.wasm: expected a path, got nothing"},
    {"components:\n  a:\n    wasm: ~\n", "3:11", "components.a.wasm: expected a path"},
    {"components:\n  a:\n    wasm: \"\"\n", "3:11", "components.a.wasm: expected a path, got \"\""},
    {"components:\n  a:\n    wasm: \"a\\0b\"\n", "3:11", "expected a path, got \"a\\x00b\""},
    {"components:\n  a:\n    wasm: [a]\n", "3:11", "components.a.wasm: expected a scalar"},
    {"runtime: {storage: \"\"}\n" C0, "1:20", "runtime.storage: expected a path"},
    {"runtime: {audit: {}}\n" C0, "1:18", "runtime.audit: expected a scalar"},
    {"runtime: {storage: \"a\\0b\"}\n" C0, "1:20",
     "runtime.storage: expected a path, got \"a\\x00b\""},
    {"runtime: {audit: ~}\n" C0 "x: 1\n", "5:1", "unknown key \"x\""}, /* null is absent */
    {"runtime: {storage: /../x}\n" C0, "1:20", "runtime.storage: \"/../x\" climbs above /"},
    {"runtime: {audit: a/}\n" C0, "1:18", "runtime.audit: \"a/\" names a folder: expected a file"},
    /* Names and patterns. */
    {"components:\n  a b:\n    wasm: a.wasm\n", "2:3", "\"a b\" is not a valid component name"},
    {"components:\n  a..b: {wasm: x}\n", "2:3", "\"a..b\" is not a valid component name"},
    {"components:\n  .a: {wasm: x}\n", "2:3", "is not a valid component name"},
    {"components:\n  \"a*\": {wasm: x}\n", "2:3", "\"a*\" is not a valid component name"},
    {"components:\n  \"a.>\": {wasm: x}\n", "2:3", "is not a valid component name"},
    {"components:\n  caf\xc3\xa9: {wasm: x}\n", "2:3", "\"caf\xc3\xa9\" is not a valid component"},
    {"components:\n  \"a\\0\": {wasm: x}\n", "2:3", "\"a\\x00\" is not a valid component name"},
    {K1 "send: [orders, \"a*\"]\n", "5:22",
     "components.a.capabilities.send: \"a*\" is not a valid pattern"},
    {K1 "request: [\">.a\"]\n", "5:17",
     "components.a.capabilities.request: \">.a\" is not a valid"},
    {K1 "publish: [\"a.>.b\"]\n", "5:17", "components.a.capabilities.publish: \"a.>.b\" is not"},
    {K1 "subscribe: [\"a.\"]\n", "5:19", "components.a.capabilities.subscribe: \"a.\" is not"},
    {K1 "subscribe: [~]\n", "5:19", "is not a valid pattern"},
    {K1 "subscribe: [\"\"]\n", "5:19", "\"\" is not a valid pattern"},
    {K1 "send:\n        - ok\n        - \"x y\"\n", "7:11", "\"x y\" is not a valid pattern"},
    /* Duplicate components and variables. */
    {C0 "  b: {wasm: b}\n  a: {wasm: c}\n", "5:3",
     "components: duplicate component name \"a\" (first at line 2)"},
    {"components:\n  x: {wasm: x}\n  y: {wasm: y}\n  y: {wasm: z}\n  x: {wasm: w}\n", "4:3",
     "duplicate component name \"y\" (first at line 3)"},
    {C1 "env: {A: 1, B: 2, A: 3}\n", "4:23",
     "components.a.env: duplicate variable \"A\" (first at line 4)"},
    {C1 "env: {\"A=B\": 1}\n", "4:11", "components.a.env: \"A=B\" is not a valid variable name"},
    {C1 "env: {\"\": 1}\n", "4:11", "\"\" is not a valid variable name"},
    {C1 "env: {A: [1]}\n", "4:14", "components.a.env: the value of \"A\": expected text"},
    {C1 "env: {A: \"x\\0\"}\n", "4:14", "the value of \"A\": expected text, got a NUL byte"},
    {C1 "env: {[A]: 1}\n", "4:11", "components.a.env: expected a scalar"},
    /* Restart, WASI facets. */
    {C1 "restart: always\n", "4:14",
     "components.a.restart: expected permanent, transient or "
     "temporary, got \"always\""},
    {C1 "restart: Permanent\n", "4:14", "components.a.restart: expected permanent"},
    {C1 "tier: fast\n", "4:11", "components.a.tier: expected interp, aot or auto, got \"fast\""},
    {C1 "tier: AOT\n", "4:11", "components.a.tier: expected interp, aot or auto, got \"AOT\""},
    {C1 "tier: [aot]\n", "4:11", "components.a.tier: expected interp, aot or auto"},
    {"templates:\n  t:\n    wasm: a.wasm\n    tier: jit\n" C0, "4:11",
     "templates.t.tier: expected interp, aot or auto"},
    {C1 "restart: [permanent]\n", "4:14", "components.a.restart: expected permanent"},
    {K1 "wasi: [stdout, files]\n", "5:22",
     "components.a.capabilities.wasi: expected a WASI facet (stdout, stderr, clock, random or "
     "env), got \"files\""},
    {K1 "wasi: [stdin]\n", "5:14", "expected a WASI facet"},
    {K1 "wasi: [[env]]\n", "5:14", "got a sequence"},
    /* Numbers. */
    {"runtime: {workers: -1}\n" C0, "1:20",
     "runtime.workers: expected a whole number from 0 to 1024, got \"-1\""},
    {"runtime: {workers: 1025}\n" C0, "1:20", "runtime.workers: expected a whole number"},
    {"runtime: {workers: 2.5}\n" C0, "1:20", "runtime.workers: expected a whole number"},
    {"runtime: {workers: four}\n" C0, "1:20", "got \"four\""},
    {"runtime: {workers: 18446744073709551616}\n" C0, "1:20", "runtime.workers: expected"},
    {"supervisor: {max_restarts: 4294967296}\n" C0, "1:28",
     "supervisor.max_restarts: expected a whole number from 0 to 4294967295"},
    {"supervisor: {max_restarts: \" 5\"}\n" C0, "1:28", "supervisor.max_restarts: expected"},
    {L1 "fuel: 0\n", "5:13", "components.a.limits.fuel: expected a whole number from 1 to"},
    {L1 "fuel: 9223372036854775808\n", "5:13", "components.a.limits.fuel: expected"},
    {L1 "fuel: 1e8\n", "5:13", "components.a.limits.fuel: expected"},
    {L1 "fuel: 100_000\n", "5:13", "components.a.limits.fuel: expected"},
    {L1 "stack: 0\n", "5:14", "components.a.limits.stack: expected a whole number from 1 to"},
    {L1 "stack: 1000001\n", "5:14", "components.a.limits.stack: expected"},
    {L1 "mailbox: 0\n", "5:16", "components.a.limits.mailbox: expected"},
    {L1 "mailbox: 4294967296\n", "5:16", "components.a.limits.mailbox: expected"},
    {L1 "pending: -5\n", "5:16", "components.a.limits.pending: expected"},
    {L1 "pending: 0\n", "5:16", "components.a.limits.pending: expected a whole number from 1"},
    /* Durations. */
    {"runtime: {request_timeout: 30}\n  x: 1\n", "2:3", "invalid YAML"},
    {"runtime: {request_timeout: 30h}\n" C0, "1:28",
     "runtime.request_timeout: expected a duration such as 500ms, 30s or 2m"},
    {"runtime: {request_timeout: 1.5s}\n" C0, "1:28", "runtime.request_timeout: expected"},
    {"runtime: {request_timeout: 0s}\n" C0, "1:28",
     "runtime.request_timeout: expected a duration from 1ms to 2147483647ms, got \"0s\""},
    {"runtime: {request_timeout: s}\n" C0, "1:28", "runtime.request_timeout: expected"},
    {"runtime: {request_timeout: -1s}\n" C0, "1:28", "runtime.request_timeout: expected"},
    {"runtime: {request_timeout: 10 s}\n" C0, "1:28", "runtime.request_timeout: expected"},
    {"runtime: {request_timeout: 2147484s}\n" C0, "1:28", "from 1ms to 2147483647ms"},
    {"runtime: {request_timeout: 999999999999999999999ms}\n" C0, "1:28", "such as 500ms"},
    {"supervisor: {within: 10S}\n" C0, "1:22", "supervisor.within: expected a duration"},
    {L1 "time: 1min\n", "5:13", "components.a.limits.time: expected a duration"},
    {L1 "time: []\n", "5:13", "components.a.limits.time: expected a scalar"},
    /* Sizes. */
    {"runtime: {max_message: 1MB}\n" C0, "1:24",
     "runtime.max_message: expected a size such as 512KiB, 16MiB or 1GiB"},
    {"runtime: {max_message: 0}\n" C0, "1:24",
     "runtime.max_message: expected a size from 1 byte to 1GiB, got \"0\""},
    {"runtime: {max_message: 2GiB}\n" C0, "1:24", "runtime.max_message: expected a size from"},
    {"runtime: {max_message: 1mib}\n" C0, "1:24", "runtime.max_message: expected a size such"},
    {"runtime: {max_module: 1023}\n" C0, "1:23",
     "runtime.max_module: expected a size from 1KiB to 4GiB, got \"1023\""},
    {"runtime: {max_module: 0}\n" C0, "1:23", "runtime.max_module: expected a size from 1KiB"},
    {"runtime: {max_module: 4097MiB}\n" C0, "1:23", "runtime.max_module: expected a size from"},
    {"runtime: {max_module: 1MB}\n" C0, "1:23", "runtime.max_module: expected a size such"},
    {L1 "memory: 16MiB \"x\"\n", "5:15", "got \"16MiB \\\"x\\\"\""},
    {L1 "memory: 1KiB\n", "5:15", "components.a.limits.memory: expected a size from 64KiB to 4GiB"},
    {L1 "memory: 5GiB\n", "5:15", "components.a.limits.memory: expected a size from"},
    {L1 "memory: 17179869184GiB\n", "5:15", "components.a.limits.memory: expected a size such"},
    {L1 "memory: KiB\n", "5:15", "components.a.limits.memory: expected a size such"},
    {K1 "storage: -1\n", "5:16", "components.a.capabilities.storage: expected a size such"},
    {K1 "storage: 0KiB\n", "5:16",
     "components.a.capabilities.storage: expected a size from 1 byte to"},
    {K1 "storage: 9223372036854775808\n", "5:16",
     "components.a.capabilities.storage: expected a size from 1 byte to"},
};

/* Groups: strategies, members in start order, the supervisor's intensity by default. */
static void test_groups(void *arg)
{
    (void)arg;
    mf_manifest *m = parse("supervisor: {max_restarts: 7, within: 3s}\n" G3
                           "  p: {strategy: rest_for_one, members: [c, a], max_restarts: 2, "
                           "within: 5s}\n  q: {members: [b]}\n  r: {strategy: one_for_all, "
                           "members: [], max_restarts: 0}\n");
    CHECK(m == NULL); /* r has no member */
    mf_free(m);
    m = parse("supervisor: {max_restarts: 7, within: 3s}\n" G3
              "  p: {strategy: rest_for_one, members: [c, a], max_restarts: 2, within: 5s}\n"
              "  q: {members: [b], max_restarts: 0}\n");
    REQUIRE(m != NULL);
    CHECK(m->ngroups == 2);
    CHECK(strcmp(m->groups[0].name, "p") == 0);
    CHECK(m->groups[0].strategy == MF_REST_FOR_ONE);
    CHECK(m->groups[0].nmembers == 2);
    CHECK(strcmp(m->groups[0].members[0].name, "c") == 0 && m->groups[0].members[0].component == 2);
    CHECK(strcmp(m->groups[0].members[1].name, "a") == 0 && m->groups[0].members[1].component == 0);
    CHECK(m->groups[0].max_restarts == 2 && m->groups[0].within_ms == 5000);
    CHECK(m->groups[1].strategy == MF_ONE_FOR_ONE);
    CHECK(m->groups[1].max_restarts == 0 && m->groups[1].within_ms == 3000);
    mf_free(m);
    m = parse(G3 "  g: {members: [a]}\n");
    REQUIRE(m != NULL);
    CHECK(m->groups[0].max_restarts == 5 && m->groups[0].within_ms == 10000);
    mf_free(m);
}

static void test_errors(void *arg)
{
    (void)arg;
    for (size_t i = 0; i < sizeof bads / sizeof bads[0]; i++) {
        mf_manifest *m = parse(bads[i].text);
        char prefix[64];
        snprintf(prefix, sizeof prefix, FILE_NAME ":%s: ", bads[i].where);
        bool ok = m == NULL && strncmp(err, prefix, strlen(prefix)) == 0 &&
                  strstr(err, bads[i].says) != NULL && strchr(err, '\n') == NULL;
        if (!ok) {
            fprintf(stderr, "case %zu: %s\n  got:      %s\n  expected: %s... %s\n", i, bads[i].text,
                    m ? "(a manifest)" : err, prefix, bads[i].says);
            test_failures++;
        }
        mf_free(m);
    }
}

/* A result, or one error line in the expected form; never both, never
 * neither. */
static void check_outcome(mf_manifest *m, const char *what, size_t at)
{
    bool ok = m != NULL ? m->ncomponents >= 1 || m->lattice != NULL
                        : strncmp(err, FILE_NAME ":", strlen(FILE_NAME ":")) == 0 &&
                              strchr(err, '\n') == NULL;
    if (!ok) {
        fprintf(stderr, "%s at %zu: bad outcome: %s\n", what, at, m ? "manifest" : err);
        test_failures++;
    }
    mf_free(m);
}

static void test_truncations(void *arg)
{
    (void)arg;
    size_t len = strlen(example);
    char *buf = malloc(len);
    REQUIRE(buf != NULL);
    for (size_t n = 0; n <= len; n++) {
        /* An exact-size copy, so ASan sees any read past the end. */
        memcpy(buf, example, n);
        err[0] = '\0';
        check_outcome(mf_parse(buf, n, FILE_NAME, err, sizeof err), "prefix", n);
    }
    free(buf);
}

static void test_mutations(void *arg)
{
    (void)arg;
    static const char bytes[] = {':', '[',  '{', '&', '*', '\0', '\xff', '\t', '\n', '-', ' ',
                                 '"', '\'', '!', '|', '>', '#',  '?',    '%',  '@',  'x', '0'};
    size_t len = strlen(example);
    char *buf = malloc(len);
    REQUIRE(buf != NULL);
    for (size_t i = 0; i < len; i++)
        for (size_t b = 0; b < sizeof bytes; b++) {
            memcpy(buf, example, len);
            buf[i] = bytes[b];
            err[0] = '\0';
            check_outcome(mf_parse(buf, len, FILE_NAME, err, sizeof err), "mutation", i);
        }
    free(buf);
}

/* Appends to a growing buffer (test-only; aborts on no memory). */
typedef struct text {
    char *s;
    size_t len, cap;
} text;

static void put(text *t, const char *s)
{
    size_t n = strlen(s);
    if (t->len + n + 1 > t->cap) {
        t->cap = (t->len + n + 1) * 2;
        t->s = realloc(t->s, t->cap);
        if (t->s == NULL)
            abort();
    }
    memcpy(t->s + t->len, s, n + 1);
    t->len += n;
}

/* Parses t and expects an error at `where` ("LINE:COLUMN", or "" for any
 * position) containing `says`; empties t. */
static void expect_error(text *t, const char *where, const char *says)
{
    err[0] = '\0';
    mf_manifest *m = mf_parse(t->s, t->len, FILE_NAME, err, sizeof err);
    char prefix[64];
    snprintf(prefix, sizeof prefix, *where ? FILE_NAME ":%s: " : FILE_NAME ":%s", where);
    if (m != NULL || strncmp(err, prefix, strlen(prefix)) != 0 || strstr(err, says) == NULL) {
        fprintf(stderr, "  got %s, expected %s... %s\n", m ? "a manifest" : err, prefix, says);
        test_failures++;
    }
    mf_free(m);
    free(t->s);
    *t = (text){0};
}

static void test_hostile(void *arg)
{
    (void)arg;
    text t = {0};
    char line[128];

    /* Deep nesting: refused before libyaml builds anything. */
    put(&t, "components: ");
    for (int i = 0; i < 100000; i++)
        put(&t, "[");
    expect_error(&t, "1:44", "nested more than 32 levels deep");
    put(&t, "a:\n");
    for (int i = 1; i < 40; i++) {
        for (int j = 0; j < i; j++)
            put(&t, " ");
        put(&t, "a:\n");
    }
    expect_error(&t, "33:33", "nested more than 32 levels deep");

    /* An alias bomb: each level doubles; the walk's budget stops it. */
    put(&t, "l0: &l0 [a.b, c.d]\n");
    for (int i = 1; i < 30; i++) {
        snprintf(line, sizeof line, "l%d: &l%d [*l%d, *l%d]\n", i, i, i - 1, i - 1);
        put(&t, line);
    }
    expect_error(&t, "1:1", "unknown key \"l0\"");
    put(&t, "components:\n  a:\n    wasm: a\n    capabilities: &caps\n      send: &s0 [a, b]\n");
    for (int i = 1; i < 40; i++) {
        snprintf(line, sizeof line, "      x%d: &s%d [*s%d, *s%d]\n", i, i, i - 1, i - 1);
        put(&t, line);
    }
    expect_error(&t, "6:7", "unknown key \"x1\"");
    /* The same list of 20000 patterns aliased by 10000 components. */
    put(&t, "big: &p [");
    for (int i = 0; i < 20000; i++)
        put(&t, i ? ",a" : "a");
    put(&t, "]\n");
    expect_error(&t, "1:1", "unknown key \"big\"");
    put(&t, "components:\n  c0: {wasm: a, capabilities: {send: &p [");
    for (int i = 0; i < 20000; i++)
        put(&t, i ? ",a" : "a");
    put(&t, "]}}\n");
    for (int i = 1; i < 10000; i++) {
        snprintf(line, sizeof line, "  c%d: {wasm: a, capabilities: {send: *p}}\n", i);
        put(&t, line);
    }
    expect_error(&t, "", "more than 1000000 values (an alias counts each time it is used)");
    /* A large config aliased many times: the string budget. */
    put(&t, "components:\n  c0: {wasm: a, config: &c \"");
    for (int i = 0; i < 100000; i++)
        put(&t, "0123456789");
    put(&t, "\"}\n");
    for (int i = 1; i < 100; i++) {
        snprintf(line, sizeof line, "  c%d: {wasm: a, config: *c}\n", i);
        put(&t, line);
    }
    expect_error(&t, "", "the manifest holds more than 64 MiB");

    /* A self-referential alias: libyaml builds a cycle; the walk's depth is
     * the schema's, so it ends. */
    put(&t, "components:\n  a:\n    wasm: a\n    capabilities: {send: &s [*s]}\n");
    expect_error(&t, "4:26", "components.a.capabilities.send: expected a scalar");
    put(&t, "components: &c\n  a: *c\n");
    expect_error(&t, "2:3", "unknown key \"a\" in components.a");

    /* Too many aliases, anchors, nodes, components. */
    put(&t, "x: &a 1\ny: [");
    for (int i = 0; i < 10001; i++)
        put(&t, i ? ",*a" : "*a");
    put(&t, "]\n");
    expect_error(&t, "", "more than 10000 aliases");
    put(&t, "y: [");
    for (int i = 0; i < 1001; i++) {
        snprintf(line, sizeof line, "%s&a%d 1", i ? "," : "", i);
        put(&t, line);
    }
    put(&t, "]\n");
    expect_error(&t, "", "more than 1000 anchors");
    put(&t, "y: [");
    for (int i = 0; i < 500001; i++)
        put(&t, i ? ",1" : "1");
    put(&t, "]\n");
    expect_error(&t, "", "more than 500000 YAML nodes");
    put(&t, "components:\n");
    for (int i = 0; i < 10001; i++) {
        snprintf(line, sizeof line, "  c%d: {wasm: a}\n", i);
        put(&t, line);
    }
    expect_error(&t, "2:3", "components: at most 10000 components, got 10001");

    /* Exactly 10000 components is fine, and quick. */
    put(&t, "components:\n");
    for (int i = 0; i < 10000; i++) {
        snprintf(line, sizeof line, "  c%d: {wasm: c%d.wasm, capabilities: {send: [\"c.*\"]}}\n", i,
                 i);
        put(&t, line);
    }
    mf_manifest *m = mf_parse(t.s, t.len, FILE_NAME, err, sizeof err);
    CHECK(m != NULL && m->ncomponents == 10000);
    if (m != NULL)
        CHECK(str_is(m->components[9999].name, "c9999") &&
              str_is(m->components[9999].wasm, "proj/c9999.wasm"));
    mf_free(m);
    free(t.s);
    t = (text){0};

    /* Over 4 MiB of text. */
    put(&t, "components:\n  a: {wasm: a}\n");
    while (t.len <= MF_MAX_BYTES)
        put(&t, "# padding padding padding padding padding padding padding padding\n");
    expect_error(&t, "", "too large for a manifest");

    /* NUL bytes in the text, and no text at all. */
    static const char nul[] = "components:\n  a: {wasm: a\0b}\n";
    err[0] = '\0';
    CHECK(mf_parse(nul, sizeof nul - 1, FILE_NAME, err, sizeof err) == NULL);
    CHECK(strstr(err, FILE_NAME
                 ":2:14: invalid YAML: control characters are not allowed (byte 0x00)") == err);
    CHECK(mf_parse(NULL, 0, FILE_NAME, err, sizeof err) == NULL);
    CHECK(strstr(err, "the manifest is empty") != NULL);
    /* No room for the message is fine too. */
    CHECK(mf_parse("x", 1, NULL, NULL, 0) == NULL);
    char small[8];
    CHECK(mf_parse("x", 1, FILE_NAME, small, sizeof small) == NULL && strlen(small) == 7);
    /* A very long key, cut short in the message. */
    put(&t, "components:\n  a: {wasm: a}\n");
    for (int i = 0; i < 1000; i++)
        put(&t, "\xc3\xa9");
    put(&t, ": 1\n");
    expect_error(&t, "3:1", "\"\xc3\xa9\xc3\xa9");
}

static void test_units(void *arg)
{
    (void)arg;
    static const struct {
        const char *s;
        bool ok;
        uint64_t ms;
    } durations[] = {
        {"100ms", true, 100},
        {"2s", true, 2000},
        {"1m", true, 60000},
        {"250", true, 250},
        {"0", true, 0},
        {"0s", true, 0},
        {"007s", true, 7000},
        {"18446744073709551615", true, UINT64_MAX},
        {"18446744073709551615ms", true, UINT64_MAX},
        {"18446744073709551616", false, 0},
        {"18446744073709551615s", false, 0},
        {"307445734561825m", true, UINT64_C(307445734561825) * 60000},
        {"307445734561826m", false, 0},
        {"", false, 0},
        {"s", false, 0},
        {"ms", false, 0},
        {"1h", false, 0},
        {"1S", false, 0},
        {"1 s", false, 0},
        {" 1s", false, 0},
        {"1s ", false, 0},
        {"+1s", false, 0},
        {"-1s", false, 0},
        {"1.5s", false, 0},
        {"1sms", false, 0},
        {"1mss", false, 0},
        {"0x10", false, 0},
    };
    for (size_t i = 0; i < sizeof durations / sizeof durations[0]; i++) {
        uint64_t v = 12345;
        bool ok = mf_parse_duration_ms(durations[i].s, &v);
        if (ok != durations[i].ok || v != (ok ? durations[i].ms : 12345)) {
            fprintf(stderr, "mf_parse_duration_ms(\"%s\") = %d, %llu\n", durations[i].s, ok,
                    (unsigned long long)v);
            test_failures++;
        }
    }
    static const struct {
        const char *s;
        bool ok;
        uint64_t bytes;
    } sizes[] = {
        {"16MiB", true, 16u << 20},
        {"1KiB", true, 1024},
        {"1GiB", true, 1u << 30},
        {"4096", true, 4096},
        {"0", true, 0},
        {"0KiB", true, 0},
        {"17179869183GiB", true, UINT64_C(17179869183) << 30},
        {"17179869184GiB", false, 0},
        {"18446744073709551615", true, UINT64_MAX},
        {"99999999999999999999", false, 0},
        {"1kib", false, 0},
        {"1KB", false, 0},
        {"1K", false, 0},
        {"1M", false, 0},
        {"1B", false, 0},
        {"1TiB", false, 0},
        {"MiB", false, 0},
        {"", false, 0},
        {"1 MiB", false, 0},
        {"1.5MiB", false, 0},
        {"-1", false, 0},
        {"1MiBx", false, 0},
    };
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        uint64_t v = 12345;
        bool ok = mf_parse_size(sizes[i].s, &v);
        if (ok != sizes[i].ok || v != (ok ? sizes[i].bytes : 12345)) {
            fprintf(stderr, "mf_parse_size(\"%s\") = %d, %llu\n", sizes[i].s, ok,
                    (unsigned long long)v);
            test_failures++;
        }
    }
    uint64_t v;
    CHECK(!mf_parse_duration_ms(NULL, &v));
    CHECK(!mf_parse_size(NULL, &v));
    CHECK(strcmp(mf_restart_name(MF_RESTART_TRANSIENT), "transient") == 0);
    CHECK(strcmp(mf_restart_name(MF_RESTART_TEMPORARY), "temporary") == 0);
    CHECK(strcmp(mf_restart_name(42), "?") == 0);
}

static void test_load(void *arg)
{
    (void)arg;
    char dir[] = "/tmp/manifest_test.XXXXXX";
    REQUIRE(mkdtemp(dir) != NULL);
    char path[128], missing[128];
    snprintf(path, sizeof path, "%s/wactor.yaml", dir);
    snprintf(missing, sizeof missing, "%s/nope.yaml", dir);
    FILE *f = fopen(path, "w");
    REQUIRE(f != NULL);
    fputs(example, f);
    fclose(f);

    mf_manifest *m = mf_load(path, err, sizeof err);
    if (m == NULL)
        fprintf(stderr, "  %s\n", err);
    CHECK(m != NULL);
    if (m != NULL) {
        char wasm[160];
        snprintf(wasm, sizeof wasm, "%s/build/echo.wasm", dir);
        CHECK(str_is(m->path, path));
        CHECK(str_is(m->dir, dir));
        CHECK(str_is(m->components[0].wasm, wasm));
    }
    mf_free(m);

    f = fopen(path, "w");
    REQUIRE(f != NULL);
    fputs("components:\n  a:\n    wasm: a.wasm\n    limits: {memory: lots}\n", f);
    fclose(f);
    CHECK(mf_load(path, err, sizeof err) == NULL);
    char want[256];
    snprintf(want, sizeof want, "%s:4:22: components.a.limits.memory: expected a size", path);
    CHECK(strncmp(err, want, strlen(want)) == 0);

    CHECK(mf_load(missing, err, sizeof err) == NULL);
    snprintf(want, sizeof want, "%s: cannot open: No such file or directory", missing);
    CHECK(str_is(err, want));
    CHECK(mf_load(dir, err, sizeof err) == NULL);
    CHECK(strstr(err, dir) == err && strstr(err, "Is a directory") != NULL);
    CHECK(mf_load(NULL, err, sizeof err) == NULL);
    unlink(path);
    rmdir(dir);
}

/* ---- docs/MANIFEST.md ---- */

typedef struct doc {
    char *text;
    int missing;
} doc;

static void key_documented(void *arg, const char *key)
{
    doc *d = arg;
    char quoted[128];
    snprintf(quoted, sizeof quoted, "`%s`", key);
    if (strstr(d->text, quoted) == NULL) {
        fprintf(stderr, "  docs/MANIFEST.md does not document %s\n", quoted);
        d->missing++;
    }
}

typedef struct key_search {
    const char *key;
    size_t len;
    bool found;
} key_search;

static void key_is(void *arg, const char *key)
{
    key_search *k = arg;
    k->found |= strlen(key) == k->len && memcmp(key, k->key, k->len) == 0;
}

/* docs/MANIFEST.md (the path in arg) names every key the schema accepts
 * as `runtime.workers`, `components.<name>.limits.memory`..., names no
 * other dotted path of that form (a key removed or misspelt), and its full
 * example (the ```yaml block after "## Full example") parses. */
static void test_documented(void *arg)
{
    const char *path = arg;
    REQUIRE(path != NULL); /* usage: manifest_test documented docs/MANIFEST.md */
    FILE *f = fopen(path, "rb");
    REQUIRE(f != NULL);
    static char text[256 << 10];
    size_t len = fread(text, 1, sizeof text - 1, f);
    fclose(f);
    REQUIRE(len < sizeof text - 1);
    text[len] = '\0';

    doc d = {text, 0};
    mf_schema_keys(key_documented, &d);
    CHECK(d.missing == 0);

    /* Every `section.key` the page names is a key. */
    static const char *const sections[] = {"`runtime.", "`supervisor.", "`components.<name>",
                                           "`lattice.", "`http."};
    for (size_t i = 0; i < sizeof sections / sizeof sections[0]; i++) {
        for (const char *p = text; (p = strstr(p, sections[i])) != NULL; p++) {
            const char *end = strchr(p + 1, '`');
            REQUIRE(end != NULL);
            key_search k = {p + 1, (size_t)(end - p - 1), false};
            if (strspn(k.key, "abcdefghijklmnopqrstuvwxyz0123456789_.<>") < k.len)
                continue; /* not a key's dotted path: an example, a message... */
            mf_schema_keys(key_is, &k);
            if (!k.found) {
                fprintf(stderr, "  docs/MANIFEST.md names %.*s, which is not a key\n", (int)k.len,
                        k.key);
                test_failures++;
            }
        }
    }

    /* The full example parses (its paths resolved against docs/). */
    const char *start = strstr(text, "\n## Full example");
    REQUIRE(start != NULL);
    start = strstr(start, "```yaml\n");
    REQUIRE(start != NULL);
    start += strlen("```yaml\n");
    const char *end = strstr(start, "\n```");
    REQUIRE(end != NULL);
    err[0] = '\0';
    mf_manifest *m = mf_parse(start, (size_t)(end - start) + 1, path, err, sizeof err);
    if (m == NULL)
        fprintf(stderr, "  the full example: %s\n", err);
    CHECK(m != NULL && m->ncomponents >= 2);
    mf_free(m);
}

int main(int argc, char **argv)
{
    (void)test_read_file; /* harness.h's, unused here */
    static const test_case tests[] = {
        {"example", test_example},
        {"defaults", test_defaults},
        {"paths", test_paths},
        {"nulls", test_nulls},
        {"env_config", test_env_config},
        {"errors", test_errors},
        {"groups", test_groups},
        {"truncations", test_truncations},
        {"mutations", test_mutations},
        {"hostile", test_hostile},
        {"units", test_units},
        {"load", test_load},
        {"storage_audit", test_storage_audit},
        {"control", test_control},
        {"lattice", test_lattice},
        {"http", test_http},
        {"documented", test_documented},
    };
    return test_run(tests, sizeof tests / sizeof tests[0], argc > 1 ? argv[1] : "all",
                    argc > 2 ? argv[2] : NULL);
}
