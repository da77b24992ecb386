/*
 * A component that uses WASI's file calls, for the files capability test
 * (wasi_test.sh component_files). The payload says what to try; the answer
 * says what happened: the file's text, "written", or "errno N".
 *   read    read data/hello.txt
 *   write   create data/new.txt (data is read-only: refused)
 *   out     create out/made.txt (out is writable)
 *   escape  read data/../secret.txt (outside: refused)
 *   sleep   sleep an hour (a component may not block: refused at once)
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <wactor.h>

static int answer_errno(int64_t corr)
{
    char buf[32];
    snprintf(buf, sizeof buf, "errno %d", errno);
    return wactor_respond_str(corr, WACTOR_STATUS_OK, buf) < 0;
}

static int read_file(int64_t corr, const char *path)
{
    char buf[128] = {0};
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return answer_errno(corr);
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    return wactor_respond_str(corr, WACTOR_STATUS_OK, buf) < 0;
}

static int write_file(int64_t corr, const char *path)
{
    FILE *f = fopen(path, "w");
    if (f == NULL)
        return answer_errno(corr);
    fputs("made by a component\n", f);
    if (fclose(f) != 0)
        return answer_errno(corr);
    return wactor_respond_str(corr, WACTOR_STATUS_OK, "written") < 0;
}

WACTOR_ON_MESSAGE(int32_t sender_len, int32_t payload_len, int64_t corr)
{
    (void)sender_len;
    (void)payload_len;
    char what[16] = {0};
    wactor_msg_payload(what, sizeof what - 1);
    if (strcmp(what, "read") == 0)
        return read_file(corr, "data/hello.txt");
    if (strcmp(what, "write") == 0)
        return write_file(corr, "data/new.txt");
    if (strcmp(what, "out") == 0)
        return write_file(corr, "out/made.txt");
    if (strcmp(what, "escape") == 0)
        return read_file(corr, "data/../secret.txt");
    if (strcmp(what, "sleep") == 0) {
        struct timespec hour = {3600, 0};
        if (nanosleep(&hour, NULL) != 0)
            return answer_errno(corr);
        return wactor_respond_str(corr, WACTOR_STATUS_OK, "slept") < 0;
    }
    return wactor_respond_str(corr, WACTOR_STATUS_OK, "unknown") < 0;
}
