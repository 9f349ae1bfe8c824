// Invariant checks. In debug and sanitizer builds (PTHREADING_CHECKS) a
// state that cannot happen aborts with a message, as Go's sync package
// panics on an unlock of an unlocked mutex: a broken invariant is found
// where it breaks, not as a hang much later. In release builds the checks
// compile to nothing.
#pragma once

#include <cstdio>
#include <cstdlib>

#if defined(PTHREADING_CHECKS)
#define PT_CHECK(cond, what)                                                                   \
  do {                                                                                         \
    if (!(cond)) {                                                                             \
      std::fprintf(stderr, "pthreading: invariant broken: %s (%s:%d)\n", what, __FILE__, __LINE__); \
      std::abort();                                                                            \
    }                                                                                          \
  } while (0)
#else
#define PT_CHECK(cond, what) \
  do {                       \
    (void)sizeof(cond);      \
  } while (0)
#endif
