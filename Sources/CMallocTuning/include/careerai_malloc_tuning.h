#ifndef CAREERAI_MALLOC_TUNING_H
#define CAREERAI_MALLOC_TUNING_H

/// Sets glibc's M_TRIM_THRESHOLD (malloc.h, which Swift's Glibc module does not export).
/// Returns 1 on success, 0 on failure or on a C library without mallopt.
int careerai_set_malloc_trim_threshold(int bytes);

#endif
