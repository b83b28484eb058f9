/*
 * check.h: the C unit tests' one assertion (unit_table.c, unit_walk.c):
 * counts each check, and on the first false one names it and exits 1.
 */
#ifndef LLGI_TEST_CHECK_H
#define LLGI_TEST_CHECK_H

#include <stdio.h>
#include <stdlib.h>

static int checks;
#define CHECK(cond)                                                   \
  do {                                                                \
    checks++;                                                         \
    if (!(cond)) {                                                    \
      fprintf(stderr, "FAIL %s:%d: %s\n", __FILE__, __LINE__, #cond); \
      exit(1);                                                        \
    }                                                                 \
  } while (0)

#endif
