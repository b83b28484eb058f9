/*
 * procmaps.h: this process's memory mappings, one at a time in address
 * order, for the walk's off-stack bounds (stackmap.c), reads checked against
 * them (saferead.c), the fault handler's module paths (crash.c) and the
 * interposer's page protections (interpose.c). Linux: the lines of
 * /proc/self/maps (runtime/src/linux/procmaps.c).
 * Async-signal-safe (Linux: open/read/close, a stack buffer, no allocation,
 * no lock); a scan costs tens of microseconds.
 */
#ifndef LLGI_PROCMAPS_H
#define LLGI_PROCMAPS_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* One mapping: [lo, hi), its permissions as /proc/self/maps writes them
 * ("r-xp"), the file offset mapped at lo, the file's inode (0: anonymous)
 * and path (not NUL-terminated; may be empty). */
typedef struct llgi_maps_line {
  uintptr_t lo, hi, offset;
  uint64_t inode;
  char perms[4];
  const char *path;
  size_t path_len;
} llgi_maps_line;

/*
 * Calls fn for each mapping, in address order, until it returns non-zero,
 * and returns that value; 0 after the last one; -1 when the mappings cannot
 * be read. `line` is valid only during the call. (Linux: lines longer than
 * 4 KiB are skipped.)
 */
int llgi_maps_scan(int (*fn)(const llgi_maps_line *line, void *ctx), void *ctx);

#ifdef __cplusplus
}
#endif

#endif /* LLGI_PROCMAPS_H */
