/* e2e_nomsg: not a component: it lacks the required export wactor_on_message. */
#include <wactor.h>

WACTOR_INIT()
{
    return 0;
}
