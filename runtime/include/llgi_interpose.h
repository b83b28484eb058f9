/*
 * llgi_interpose.h: allocation interposition on one loaded module's GOT
 * (docs/interposition.md).
 *
 * llgi_interpose_patch() rewrites the module's own GOT slots of the
 * allocation functions (R_*_JUMP_SLOT and R_*_GLOB_DAT relocations, so both
 * PLT calls, -fno-plt calls and function pointers taken in code go through
 * the wrappers) to wrappers that call the real function and report the event
 * to the heap sampler (llgi_mprof.h). Only that module's calls are seen: not
 * its dependencies', not libc's own allocations on its behalf (getline,
 * asprintf: their free is seen, the sampler ignores frees it never sampled),
 * not its constructors' (they ran inside dlopen, before the patch), and not
 * calls through function pointers stored in writable data by
 * R_*_64/R_AARCH64_ABS64 relocations (`void *(*f)(size_t) = malloc;` at file
 * scope): patching those would change pointer identity.
 *
 * The module must be loaded with RTLD_NOW (load() always is). A slot that
 * still points into the module's own image at patch time is a lazy PLT stub:
 * the wrapper then calls dlsym(RTLD_DEFAULT, name) instead, and the slot is
 * skipped when that finds nothing.
 *
 * Wrappers call one real function per symbol, the same for every module: the
 * first patch that meets the symbol resolves it (from the slot's value) and
 * keeps the object defining it loaded for the rest of the process (a dlopen
 * reference that is never dropped; for libc and libstdc++ this changes
 * nothing, for libgc it means dlclose of the last module using it does not
 * unload it). A later module whose slot holds a *different definition* of the
 * name (another object exporting a symbol of that name at that address) has
 * that slot skipped, so it never sends its pointers to another allocator.
 *
 * Events the wrappers report:
 * - allocators: llgi_mprof_malloc(result, size, wrapper's frame), after the
 *   real call: the walk starts at the wrapper's frame record, so its first pc
 *   is the return address into the module's allocating function. Sizes are
 *   the requested ones: calloc n*m, posix_memalign/aligned_alloc/memalign the
 *   size argument, strdup/strndup strlen(result)+1, valloc/pvalloc the
 *   argument (pvalloc rounds up; the profile keeps the request).
 * - frees (free, operator delete in every form, GC_free): llgi_mprof_free(p)
 *   BEFORE the real call, so a block another thread gets from the allocator
 *   immediately after can never be mistaken for the freed one.
 * - realloc, reallocarray, GC_realloc: a free of the old pointer before the
 *   call (when it is not NULL), then an allocation of the result after it
 *   (when the result is not NULL), even when the block did not move. When
 *   the call fails (NULL with a non-zero size) the old block stays allocated
 *   but the profile already counted it freed: out-of-memory only. A
 *   reallocarray whose n*m overflows makes no event (nothing changes).
 * - Boehm GC (GC_malloc, GC_malloc_atomic, GC_malloc_ignore_off_page,
 *   GC_malloc_atomic_ignore_off_page, GC_malloc_uncollectable,
 *   GC_malloc_atomic_uncollectable, GC_realloc, GC_free and their GC_debug_*
 *   forms): objects are mostly freed by collection, which no call reports.
 *   For a SAMPLED collectable object the wrapper registers a finalizer
 *   (GC_register_finalizer_no_order, or the GC_debug_ form for GC_debug_
 *   objects, looked up in the object that defines the allocator), whose run
 *   counts as the free. Not seen: a sampled object whose finalizer the module
 *   replaces by its own (its collection is never reported; a later sample at
 *   the same address replaces the stale entry); frees inside libgc itself;
 *   the free is counted when the finalizer runs (after the collection that
 *   found the object unreachable, when GC_invoke_finalizers runs, which libgc
 *   does on allocation unless GC_finalize_on_demand is set), not at the
 *   collection; and a finalizable object is reclaimed one collection later
 *   than it would otherwise be. GC_free and GC_realloc first take our
 *   finalizer off a sampled object (libgc's own GC_free would leave it
 *   registered on reused memory). Needs the sampler's llgi_mprof_sampled()
 *   (a weak reference: without it GC objects are sampled but their
 *   collection is never counted).
 *
 * Wrappers keep frame pointers and never tail-call (the real call is followed
 * by the report or a compiler barrier), and they preserve errno across the
 * report. They are installed only while profiling is on (lib/ restores the
 * slots when the rate goes to 0); the sampler checks the rate anyway.
 *
 * Threads: patch and restore serialise on one mutex and may run while other
 * threads execute the module: every slot is replaced by one atomic 8-byte
 * store, so a concurrent call goes either to the original or to the wrapper,
 * both valid, and a call already inside a wrapper keeps using the real
 * function after the slot is restored. A read-only (RELRO) page is made
 * writable only for the duration of its stores and set back to exactly the
 * protection the mappings reported (procmaps.h; Linux: /proc/self/maps).
 * Neither function is async-signal-safe (dl_iterate_phdr, dladdr, dlsym,
 * mprotect, a mutex); neither calls malloc itself (dlsym, dladdr and
 * dlopen(RTLD_NOLOAD) may, inside libc). The
 * wrappers are as safe as the functions they wrap: thread-safe, not
 * async-signal-safe.
 *
 * Restore before dlclose: the slots live in the module's image, and the
 * free gate (llgi_interpose_watch_frees) writes the gated ones whenever the
 * set of live samples starts or ends. (A restore after dlclose skips pages
 * that are no longer mapped, and a patch of a module closed without a
 * restore and loaded again patches the new image; but between the dlclose
 * and that restore, a gate change would write to the old image's addresses,
 * and fault where nothing is mapped there any more.)
 */
#ifndef LLGI_INTERPOSE_H
#define LLGI_INTERPOSE_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Slots one state can hold (each listed symbol has at most a JUMP_SLOT and a
 * GLOB_DAT per module; slots beyond this are skipped and counted). */
#define LLGI_INTERPOSE_MAX_SLOTS 256

/* Slot kinds. */
#define LLGI_INTERPOSE_JUMP_SLOT 1 /* R_X86_64_JUMP_SLOT / R_AARCH64_JUMP_SLOT (.got.plt, PLT calls) */
#define LLGI_INTERPOSE_GLOB_DAT 2  /* R_X86_64_GLOB_DAT / R_AARCH64_GLOB_DAT (.got: -fno-plt calls, &malloc) */

/* Errors (negative results of llgi_interpose_patch). */
#define LLGI_INTERPOSE_EINVAL (-1) /* no object at (base, dynamic), or its dynamic section lacks DT_SYMTAB/DT_STRTAB */
#define LLGI_INTERPOSE_EPROT (-2)  /* mprotect failed (nothing stays patched) */
#define LLGI_INTERPOSE_EBUSY (-3)  /* the state is active for another module */

typedef struct llgi_interpose_slot {
  uintptr_t addr;  /* runtime address of the GOT slot (inside the module) */
  uintptr_t orig;  /* the slot's value before patching (restored as is) */
  uint16_t sym;    /* index for llgi_interpose_symbol() */
  uint8_t kind;    /* LLGI_INTERPOSE_JUMP_SLOT or _GLOB_DAT */
  uint8_t relro;   /* the page was read-only when patched (written under mprotect) */
  uint8_t gated;   /* a free function's JUMP_SLOT on a writable page, not
                      holding the module's own lazy PLT stub: it holds `orig`
                      while no sampled pointer is live, the wrapper otherwise
                      (llgi_interpose_watch_frees) */
} llgi_interpose_slot;

/*
 * What one patch did, owned by the caller (zero-initialise it before the
 * first use; a restored state may be patched again). Slots are in relocation
 * order: DT_JMPREL first, then DT_RELA.
 */
typedef struct llgi_interpose_state {
  uintptr_t base;          /* load bias of the patched module */
  const void *dynamic;     /* its PT_DYNAMIC (runtime address) */
  int active;              /* the slots hold our wrappers */
  uint32_t nslots;         /* patched slots in `slots` */
  uint32_t skipped;        /* listed-symbol slots left alone: no real function
                              found, a different definition than the wrappers
                              call, already patched by another state, table full */
  llgi_interpose_slot slots[LLGI_INTERPOSE_MAX_SLOTS];
} llgi_interpose_state;

/*
 * Patches the module loaded at `base` whose dynamic section is at `dynamic`
 * (link_map l_addr and l_ld). Returns the number of patched slots (>= 0), or
 * a negative LLGI_INTERPOSE_E*. Patching an active state again for the same
 * module changes nothing and returns its slot count, as long as every slot
 * still holds its wrapper; otherwise the state is stale (the module was
 * closed without a restore and loaded again at the same address) and the
 * module is patched afresh. Slots that already hold a wrapper (another
 * state's) are skipped. On error every slot this call patched is restored
 * and the state is left inactive.
 */
int llgi_interpose_patch(uintptr_t base, const void *dynamic, llgi_interpose_state *st);

/*
 * Puts every slot that still holds our wrapper back to its original value
 * (under mprotect for read-only pages, restoring their protection) and
 * marks the state inactive. Returns the number of slots written back; 0 for
 * an inactive state (restore after restore is a no-op). A slot whose value
 * changed since the patch (not our wrapper any more) is left as it is.
 */
int llgi_interpose_restore(llgi_interpose_state *st);

/*
 * The free gate, driven by the sampler (llgi_mprof.h): on = 1 before the
 * first sampled pointer of a live set escapes to its caller, on = 0 when no
 * sampled pointer is live any more. While off, every gated slot (see
 * llgi_interpose_slot.gated) holds its original value, so a free that could
 * report nothing skips the wrapper; while on, it holds the wrapper. The
 * initial state is off. Thread-safe (one leaf mutex: callers may hold their
 * own lock), not async-signal-safe, no allocation. Each gated slot is
 * swapped by compare-and-swap (a word holding anything else is left alone),
 * so its page must still be mapped: restore a module before dlclose.
 * docs/interposition.md, "The free gate".
 */
void llgi_interpose_watch_frees(int on);

/* The name of interposed symbol `sym` (llgi_interpose_slot.sym), or NULL. */
const char *llgi_interpose_symbol(unsigned sym);

/* "JUMP_SLOT" or "GLOB_DAT" (or "?"). */
const char *llgi_interpose_kind_name(unsigned kind);

/*
 * The wrapper installed for `sym` (for tests and for recognising patched
 * slots), or 0.
 */
uintptr_t llgi_interpose_wrapper(unsigned sym);

#ifdef __cplusplus
}
#endif

#endif /* LLGI_INTERPOSE_H */
