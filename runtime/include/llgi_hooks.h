/*
 * llgi_hooks.h: the layout of a module's hook table, shared by the module
 * side (llgi_module.h defines the table) and the runtime (load() fills it).
 * The runtime checks magic, version and size before writing to a table.
 */
#ifndef LLGI_HOOKS_H
#define LLGI_HOOKS_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define LLGI_HOOKS_MAGIC 0x4b4f4f4849474c4cull /* "LLGIHOOK" little-endian */
#define LLGI_HOOKS_VERSION 2u

struct llgi_hooks {
  uint64_t magic;
  uint32_t version;
  uint32_t size; /* sizeof(struct llgi_hooks) as the module was built */
  /* Filled by load(); NULL until then. */
  int (*callers)(int skip, uintptr_t *pcs, int max);
  void (*probe)(void);
  /* Allocations of the module's own arenas, for the heap profile (version 2). */
  void (*alloc)(void *p, size_t size);
  void (*free)(void *p);
};

#ifdef __cplusplus
}
#endif

#endif /* LLGI_HOOKS_H */
