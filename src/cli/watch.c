/*
 * watch.c: `wactor run --watch`: reload when the manifest or a module file
 * changes.
 *
 * One thread around poll() on an inotify descriptor and a stop pipe. It
 * watches the folders of the files (cli_reloader_files), not the files:
 * editors and compilers replace a file by writing another and renaming it
 * over, which a watch on the file itself would lose with its inode. An
 * event counts when it names one of the files (IN_CLOSE_WRITE: written and
 * closed, as `cp` over it does; IN_MOVED_TO: renamed over it; IN_CREATE is
 * not enough, the file is still empty then). A change opens a quiet period
 * of CLI_WATCH_DEBOUNCE_MS: events keep extending it (at most
 * CLI_WATCH_MAX_WAIT_MS), then one reload runs (cli_reload, serialised
 * with the others), and the set of files is read again, since the reload
 * may have added or removed components.
 */
#include "cli.h"
#include "control.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <unistd.h>

#define CLI_WATCH_DEBOUNCE_MS 150
#define CLI_WATCH_MAX_WAIT_MS 2000

struct cli_watch {
    cli_reloader *r;
    pthread_t thread;
    int stop[2]; /* a byte on stop[1] ends the thread */
    int fd;      /* inotify */
    char **files;
    int *wds;   /* per file: its folder's watch */
    bool armed; /* fd watches the folders */
};

/* Frees the list of files and their watches' descriptors (not the watches). */
static void cli_watch_forget(cli_watch *w)
{
    for (size_t i = 0; w->files != NULL && w->files[i] != NULL; i++)
        free(w->files[i]);
    free(w->files);
    free(w->wds);
    w->files = NULL;
    w->wds = NULL;
}

static void cli_watch_clear(cli_watch *w)
{
    if (w->fd >= 0)
        close(w->fd); /* drops every watch */
    w->fd = -1;
    cli_watch_forget(w);
}

static bool cli_watch_has(const int *wds, size_t n, int wd)
{
    for (size_t i = 0; i < n; i++)
        if (wds[i] == wd)
            return true;
    return false;
}

/* Watches the folders of the running set's files. The descriptor is kept
 * from one set to the next: a change made while a reload runs waits in its
 * queue and is read after it, where a new descriptor would lose it. Folders
 * no file of the new set is in stop being watched. False after logging why. */
static bool cli_watch_arm(cli_watch *w)
{
    int *old = w->wds;
    size_t nold = 0;
    while (w->files != NULL && w->files[nold] != NULL)
        nold++;
    w->wds = NULL;
    cli_watch_forget(w);
    w->files = cli_reloader_files(w->r);
    size_t n = 0;
    while (w->files != NULL && w->files[n] != NULL)
        n++;
    w->wds = calloc(n + 1, sizeof *w->wds);
    if (w->fd < 0)
        w->fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    if (w->files == NULL || w->wds == NULL || w->fd < 0) {
        cli_error("run --watch: cannot watch files: %s",
                  w->fd < 0 ? strerror(errno) : "out of memory");
        free(old);
        cli_watch_clear(w);
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        char *dir = strdup(w->files[i]);
        if (dir == NULL) {
            w->wds[i] = -1;
            continue;
        }
        char *slash = strrchr(dir, '/');
        const char *d = slash == NULL ? "." : slash == dir ? "/" : (*slash = '\0', dir);
        /* The same folder twice (or again) gives the same descriptor. */
        w->wds[i] = inotify_add_watch(w->fd, d, IN_CLOSE_WRITE | IN_MOVED_TO | IN_ONLYDIR);
        if (w->wds[i] < 0)
            cli_error("run --watch: cannot watch the folder %s of %s: %s", d, w->files[i],
                      strerror(errno));
        free(dir);
    }
    for (size_t i = 0; i < nold; i++)
        if (old[i] >= 0 && !cli_watch_has(w->wds, n, old[i]) && !cli_watch_has(old, i, old[i]))
            inotify_rm_watch(w->fd, old[i]);
    free(old);
    return true;
}

/* Reads the pending events: true if one names a watched file. */
static bool cli_watch_read(cli_watch *w)
{
    bool hit = false;
    char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
    for (;;) {
        ssize_t got = read(w->fd, buf, sizeof buf);
        if (got <= 0)
            return hit; /* EAGAIN: all read */
        for (char *p = buf; p < buf + got;) {
            const struct inotify_event *e = (const struct inotify_event *)p;
            p += sizeof *e + e->len;
            for (size_t i = 0; e->len > 0 && w->files[i] != NULL && !hit; i++) {
                const char *slash = strrchr(w->files[i], '/');
                const char *base = slash ? slash + 1 : w->files[i];
                hit = w->wds[i] == e->wd && strcmp(base, e->name) == 0;
            }
        }
    }
}

static void *cli_watch_main(void *arg)
{
    cli_watch *w = arg;
    bool armed = w->armed;
    for (;;) {
        struct pollfd pf[2] = {{.fd = w->stop[0], .events = POLLIN},
                               {.fd = w->fd, .events = POLLIN}};
        if (poll(pf, armed ? 2 : 1, -1) < 0 && errno != EINTR)
            break;
        if (pf[0].revents)
            break;
        if (!(pf[1].revents & POLLIN) || !cli_watch_read(w))
            continue;
        /* Quiet period: a build writes several files, an editor a few times. */
        uint64_t start = ctl_now_ms();
        while (ctl_now_ms() - start < CLI_WATCH_MAX_WAIT_MS) {
            int r = poll(pf, 2, CLI_WATCH_DEBOUNCE_MS);
            if (r <= 0 || pf[0].revents)
                break;
            cli_watch_read(w);
        }
        if (pf[0].revents)
            break;
        char *report = NULL;
        cli_reload(w->r, "watch", &report);
        free(report);
        armed = cli_watch_arm(w);
    }
    return NULL;
}

cli_watch *cli_watch_start(cli_reloader *r)
{
    cli_watch *w = calloc(1, sizeof *w);
    if (w == NULL) {
        cli_error("run --watch: out of memory");
        return NULL;
    }
    w->r = r;
    w->fd = -1;
    if (pipe2(w->stop, O_CLOEXEC) != 0) {
        cli_error("run --watch: %s", strerror(errno));
        free(w);
        return NULL;
    }
    /* Armed before run says it is running: a change made after that line
     * is seen. */
    w->armed = cli_watch_arm(w);
    int e = pthread_create(&w->thread, NULL, cli_watch_main, w);
    if (e != 0) {
        cli_error("run --watch: cannot start its thread: %s", strerror(e));
        cli_watch_clear(w);
        close(w->stop[0]);
        close(w->stop[1]);
        free(w);
        return NULL;
    }
    return w;
}

void cli_watch_stop(cli_watch *w)
{
    if (w == NULL)
        return;
    ssize_t n = write(w->stop[1], "", 1);
    (void)n;
    pthread_join(w->thread, NULL);
    cli_watch_clear(w);
    close(w->stop[0]);
    close(w->stop[1]);
    free(w);
}
