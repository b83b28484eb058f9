/*
 * procmaps.h: the lines of /proc/self/maps, parsed one at a time.
 * Async-signal-safe (open/read/close, a stack buffer, no allocation, no
 * lock); a scan costs tens of microseconds.
 */
#ifndef LLGI_PROCMAPS_H
#define LLGI_PROCMAPS_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* One mapping: [lo, hi), its permissions ("r-xp"), file offset, inode and path (not NUL-terminated; may be empty). */
typedef struct llgi_maps_line {
  uintptr_t lo, hi, offset;
  uint64_t inode;
  char perms[4];
  const char *path;
  size_t path_len;
} llgi_maps_line;

/*
 * Calls fn for each mapping, in address order, until it returns non-zero,
 * and returns that value; 0 after the last line; -1 when the file cannot be
 * opened. `line` is valid only during the call. Lines longer than 4 KiB are
 * skipped.
 */
int llgi_maps_scan(int (*fn)(const llgi_maps_line *line, void *ctx), void *ctx);

#ifdef __cplusplus
}
#endif

#endif /* LLGI_PROCMAPS_H */
