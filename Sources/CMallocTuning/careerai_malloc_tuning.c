#include "careerai_malloc_tuning.h"

#if defined(__GLIBC__)
#include <malloc.h>

int careerai_set_malloc_trim_threshold(int bytes) {
    return mallopt(M_TRIM_THRESHOLD, bytes);
}
#else
int careerai_set_malloc_trim_threshold(int bytes) {
    (void)bytes;
    return 0;
}
#endif
