/*
 * procmaps.c (Linux): the mappings (procmaps.h) from /proc/self/maps, one
 * parsed line at a time. Only open/read/close and a stack buffer: safe in a
 * signal handler.
 */
#define _GNU_SOURCE
#include "procmaps.h"

#include <errno.h>
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

static void skip_field(const char **p, const char *end) {
  while (*p < end && **p != ' ') (*p)++;
  while (*p < end && **p == ' ') (*p)++;
}

/* "lo-hi perms offset dev inode   path" */
static void parse(const char *p, const char *end, llgi_maps_line *l) {
  l->lo = hex(&p, end);
  if (p < end && *p == '-') p++;
  l->hi = hex(&p, end);
  if (p < end) p++;
  for (int i = 0; i < 4; i++) l->perms[i] = p + i < end ? p[i] : '-';
  skip_field(&p, end);
  l->offset = hex(&p, end);
  skip_field(&p, end);
  skip_field(&p, end); /* dev */
  uint64_t inode = 0;
  while (p < end && *p >= '0' && *p <= '9') inode = inode * 10 + (uint64_t)(*p++ - '0');
  l->inode = inode;
  while (p < end && *p == ' ') p++;
  l->path = p;
  l->path_len = (size_t)(end - p);
}

int llgi_maps_scan(int (*fn)(const llgi_maps_line *line, void *ctx), void *ctx) {
  int fd = open("/proc/self/maps", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  char buf[4096];
  size_t have = 0;
  int result = 0;
  for (;;) {
    ssize_t n = read(fd, buf + have, sizeof buf - have);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    have += (size_t)n;
    size_t start = 0;
    for (size_t i = 0; i < have && !result; i++) {
      if (buf[i] != '\n') continue;
      llgi_maps_line l;
      parse(buf + start, buf + i, &l);
      result = fn(&l, ctx);
      start = i + 1;
    }
    if (result) break;
    /* Keep the partial last line for the next read. */
    for (size_t k = start; k < have; k++) buf[k - start] = buf[k];
    have -= start;
    if (have == sizeof buf) have = 0; /* a line longer than the buffer: drop it */
  }
  close(fd);
  return result;
}
