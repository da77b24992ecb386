/* artifact.c: stamps, compiling and loading artifacts (being written). */
#include "aot.h"
