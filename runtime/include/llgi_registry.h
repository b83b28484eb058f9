/*
 * llgi_registry.h: the registered modules' text ranges, for walks and live
 * lookups.
 *
 * Writers (load/close, on a JavaScript thread) serialise on a mutex; readers
 * (the frame-pointer walk, live pc lookups, later the sampler and the fault
 * handler) take no lock: each slot is published under a sequence counter, and
 * a reader that sees a slot change under it retries. Slots are never freed,
 * so a reader can never touch unmapped registry memory.
 *
 * Addresses here are runtime addresses (pcs as the CPU sees them).
 */
#ifndef LLGI_REGISTRY_H
#define LLGI_REGISTRY_H

#include <stdint.h>

#include "llgi_table.h"

#ifdef __cplusplus
extern "C" {
#endif

/* How many text ranges can be registered at once. */
#define LLGI_REGISTRY_SLOTS 256

/* A snapshot of one registered text range. */
typedef struct llgi_range {
  uint64_t lo, hi;            /* runtime text range [lo, hi) */
  uint64_t bias;              /* runtime address - table address */
  const llgi_table *table;    /* adopted table of the module (may be NULL) */
  uint32_t module;            /* caller-chosen module id */
} llgi_range;

/*
 * Registers [lo, hi) for `module`. Returns a slot number >= 0, or -1 when the
 * registry is full or the range is empty. Thread-safe (takes the writer
 * mutex); not async-signal-safe. `table` must stay valid until the slot is
 * removed and no reader can still hold it (callers keep tables alive).
 */
int llgi_registry_add(uint64_t lo, uint64_t hi, uint64_t bias, const llgi_table *table, uint32_t module);

/* Removes a slot returned by llgi_registry_add. Thread-safe; not signal-safe. */
void llgi_registry_remove(int slot);

/*
 * Fills *out with the range holding pc and returns 1, or returns 0.
 * Lock-free, allocation-free, async-signal-safe.
 */
int llgi_registry_find(uint64_t pc, llgi_range *out);

/* 1 when pc is inside any registered range. Same guarantees. */
int llgi_registry_contains(uint64_t pc);

/*
 * Changes whenever a range is added or removed: a range copied out of the
 * registry is still current while the generation is unchanged. Lock-free,
 * async-signal-safe.
 */
uint32_t llgi_registry_generation(void);

#ifndef __cplusplus
#include <stdatomic.h>
/* The generation word behind llgi_registry_generation, for the walk's inline
 * read (a call costs a measurable share of a short walk). Read only. */
extern _Atomic uint32_t llgi_registry_gen;
static inline uint32_t llgi_registry_generation_fast(void) {
  return atomic_load_explicit(&llgi_registry_gen, memory_order_acquire);
}
#endif

#ifdef __cplusplus
}
#endif

#endif /* LLGI_REGISTRY_H */
