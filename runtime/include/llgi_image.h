/*
 * llgi_image.h: the loadable segments of one loaded object, from its program
 * headers (dl_iterate_phdr), for code that must not touch memory outside
 * them: the GOT patcher (interpose.c) and the in-memory llgo table builder
 * (llgo.c).
 *
 * Threads and signals: llgi_image_find calls dl_iterate_phdr, which takes the
 * loader's lock: thread-safe, not async-signal-safe, allocation-free.
 * llgi_image_segment only reads the struct: thread-safe, async-signal-safe.
 */
#ifndef LLGI_IMAGE_H
#define LLGI_IMAGE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define LLGI_IMAGE_MAX_LOADS 16

typedef struct llgi_image {
  uintptr_t base;        /* load bias (dlpi_addr, link_map l_addr) */
  const void *dynamic;   /* its PT_DYNAMIC at run time (link_map l_ld): tells objects at one base apart */
  int nload;             /* PT_LOAD segments kept, in header order */
  uintptr_t lo[LLGI_IMAGE_MAX_LOADS], hi[LLGI_IMAGE_MAX_LOADS]; /* run-time [vaddr, vaddr + memsz) */
  uint32_t flags[LLGI_IMAGE_MAX_LOADS];                        /* p_flags: PF_R, PF_W, PF_X */
  uintptr_t relro_lo, relro_hi; /* PT_GNU_RELRO at run time; 0, 0 when absent */
} llgi_image;

/* A DT_* address of the object's dynamic section at run time. ld.so
 * relocates d_ptr entries in place on x86-64 and aarch64; the guard serves
 * objects whose dynamic section is read-only (link-time values). */
static inline uintptr_t llgi_image_dyn_ptr(uintptr_t v, uintptr_t base) { return v < base ? v + base : v; }

/* Fills *im for the object loaded at `base` whose PT_DYNAMIC is at `dynamic`.
 * Returns 1, or 0 when no loaded object matches. */
int llgi_image_find(uintptr_t base, const void *dynamic, llgi_image *im);

/* Index of a PT_LOAD segment holding all of [p, p+n) whose p_flags include
 * every bit of `flags` (0: any segment), or -1. */
int llgi_image_segment(const llgi_image *im, uintptr_t p, size_t n, uint32_t flags);

#ifdef __cplusplus
}
#endif

#endif /* LLGI_IMAGE_H */
