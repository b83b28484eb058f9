/*
 * stackmap.c: bounds of the memory a walk may read when it starts outside the
 * thread's own stack.
 *
 * Some callers run native code on a stack of their own: koffi (the FFI used
 * by Module.func) switches to a 2 MiB mmap'd stack for every synchronous
 * call. A walk that starts there may read from its start frame up to the end
 * of the read-write mapping holding it, found in /proc/self/maps. The scan
 * uses only open/read/close (async-signal-safe) and a stack buffer, and is
 * not cached: a cached range could outlive its mapping.
 */
#define _GNU_SOURCE
#include "stackmap.h"

#include <fcntl.h>
#include <unistd.h>

/* Parses a hex number at *p, advancing it. */
static uintptr_t hex(const char **p, const char *end) {
  uintptr_t v = 0;
  while (*p < end) {
    char c = **p;
    int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
    if (d < 0) break;
    v = v * 16 + (uintptr_t)d;
    (*p)++;
  }
  return v;
}

int llgi_stackmap_find(uintptr_t addr, uintptr_t *lo, uintptr_t *hi) {
  int fd = open("/proc/self/maps", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return 0;
  char buf[4096];
  size_t have = 0;
  int found = 0;
  for (;;) {
    ssize_t n = read(fd, buf + have, sizeof buf - have);
    if (n <= 0) break;
    have += (size_t)n;
    /* Whole lines only: "lo-hi perms offset dev inode path". */
    size_t start = 0;
    for (size_t i = 0; i < have; i++) {
      if (buf[i] != '\n') continue;
      const char *p = buf + start, *end = buf + i;
      uintptr_t a = hex(&p, end);
      if (p < end && *p == '-') p++;
      uintptr_t b = hex(&p, end);
      if (p + 2 < end && p[1] == 'r' && p[2] == 'w' && addr >= a && addr < b) {
        *lo = a;
        *hi = b;
        found = 1;
        break;
      }
      start = i + 1;
    }
    if (found) break;
    /* Keep the partial last line for the next read. */
    for (size_t k = start; k < have; k++) buf[k - start] = buf[k];
    have -= start;
    if (have == sizeof buf) have = 0; /* a line longer than the buffer: drop it */
  }
  close(fd);
  return found;
}
