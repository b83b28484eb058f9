/*
 * llgi_image.h: one loaded object's loadable segments, for code that must
 * not touch memory outside them: the GOT patcher (interpose.c) and the
 * in-memory llgo table builder (llgo.c); and the object's exported function
 * symbols, for the latter.
 *
 * The platform finds and reads images (Linux: dl_iterate_phdr and the
 * program headers, runtime/src/linux/image.c; the dynamic symbol table,
 * runtime/src/linux/dynsym.c).
 *
 * Threads and signals: llgi_image_find and llgi_image_of_handle take the
 * loader's lock: thread-safe, not async-signal-safe, allocation-free.
 * llgi_image_functions reads only the image: thread-safe, allocation-free.
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

/* Segment permissions (the values of ELF's PF_X, PF_W, PF_R). */
#define LLGI_SEG_X 1u
#define LLGI_SEG_W 2u
#define LLGI_SEG_R 4u

typedef struct llgi_image {
  uintptr_t base;        /* load bias (Linux: dlpi_addr, link_map l_addr) */
  const void *dynamic;   /* Linux: its PT_DYNAMIC at run time (link_map l_ld); tells objects at one base apart */
  int nload;             /* loadable segments kept, in header order */
  uintptr_t lo[LLGI_IMAGE_MAX_LOADS], hi[LLGI_IMAGE_MAX_LOADS]; /* run-time [vaddr, vaddr + memsz) */
  uint32_t flags[LLGI_IMAGE_MAX_LOADS];                        /* LLGI_SEG_R, _W, _X */
  uintptr_t relro_lo, relro_hi; /* what the loader makes read-only after relocating (Linux: PT_GNU_RELRO); 0, 0 when absent */
} llgi_image;

/* Fills *im for the object loaded at `base` whose PT_DYNAMIC is at `dynamic`.
 * Returns 1, or 0 when no loaded object matches. */
int llgi_image_find(uintptr_t base, const void *dynamic, llgi_image *im);

/* Fills *im for the object opened as `handle` (a dlopen handle). Returns 1,
 * or 0 when the handle names no loaded object. */
int llgi_image_of_handle(void *handle, llgi_image *im);

/*
 * The object's exported function symbols (Linux: the dynamic symbol table,
 * sized by DT_GNU_HASH or DT_HASH): calls fn for each defined one, in table
 * order, with its run-time address, size (0: unknown) and NUL-terminated
 * name, all inside the image's readable segments. Returns the number of
 * symbols in the table, at least the number of calls; with fn NULL it only
 * counts. 0 when the table is missing or not inside the image.
 */
size_t llgi_image_functions(const llgi_image *im, void (*fn)(void *ctx, uintptr_t addr, uint64_t size, const char *name),
                            void *ctx);

/* Index of a loadable segment holding all of [p, p+n) whose flags include
 * every bit of `flags` (0: any segment), or -1. */
static inline int llgi_image_segment(const llgi_image *im, uintptr_t p, size_t n, uint32_t flags) {
  for (int i = 0; i < im->nload; i++)
    if ((im->flags[i] & flags) == flags && p >= im->lo[i] && p < im->hi[i] && n <= im->hi[i] - p) return i;
  return -1;
}

#ifdef __cplusplus
}
#endif

#endif /* LLGI_IMAGE_H */
