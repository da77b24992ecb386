/* Ends with exit(3): `wactor exec` must exit with status 3, and print nothing. */
#include <stdlib.h>

int main(void)
{
    exit(3);
}
