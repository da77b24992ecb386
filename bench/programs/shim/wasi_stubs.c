/* Functions wasi-libc declares but does not define, which Lua's io and os libraries reference
 * (io.tmpfile, os.execute). Neither is used by the benchmark; both fail as POSIX allows. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

FILE *tmpfile(void)
{
    errno = ENOTSUP;
    return NULL;
}

int system(const char *command)
{
    return command == NULL ? 0 : -1; /* no command processor */
}
