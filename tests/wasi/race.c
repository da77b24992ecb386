/*
 * The check/open race: while wasi_test.sh keeps swapping box/race between a
 * link to a folder inside the box and a link to "..", this guest opens
 * race/x again and again. Each open either reads the inside file or is
 * refused; reading the file outside the box even once is an escape.
 * Prints "inside N, refused N, escaped N"; exits 1 on any escape.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv)
{
    int rounds = argc > 1 ? atoi(argv[1]) : 2000;
    int inside = 0, refused = 0, escaped = 0, other = 0;
    for (int i = 0; i < rounds; i++) {
        FILE *f = fopen("box/race/x", "r");
        if (f == NULL) {
            if (errno == ENOTCAPABLE)
                refused++;
            else
                other++; /* ENOENT while the link is being replaced */
            continue;
        }
        char buf[16] = {0};
        size_t n = fread(buf, 1, sizeof buf - 1, f);
        fclose(f);
        if (n >= 6 && memcmp(buf, "inside", 6) == 0)
            inside++;
        else
            escaped++;
    }
    printf("inside %d, refused %d, other %d, escaped %d\n", inside, refused, other, escaped);
    return escaped ? 1 : 0;
}
