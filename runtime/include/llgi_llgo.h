/*
 * llgi_llgo.h: the LLGI table of a loaded llgo module, built from the module's
 * own relocated memory (docs/llgo-format.md §2-§5, docs/llgo.md),
 * without reading its file and without TypeScript.
 *
 * Inputs, all read in the loaded image and bounds-checked against its loaded
 * segments (llgi_image.h) before use: llgo's ABI globals (dlsym on the module's own handle),
 * the symbol index found through the entry section's meta record, the entry
 * sites (an LLGOFTB1 table, which llgo writes only into executables, is
 * refused), the pcline records and sites, and the
 * image's exported function symbols (llgi_image_functions; Linux: the dynamic
 * symbol table, DT_SYMTAB sized by DT_GNU_HASH / DT_HASH).
 *
 * What it builds is what the table builder (llgi_build.h) builds from a file without
 * DWARF: an entry site names the dynamic symbol that owns it when that
 * symbol is the record's (others are LTO inline copies and are dropped) and
 * moves the function's entry to the symbol's start; a site no dynamic symbol
 * owns starts a function at the anchor (llgo's own first-use rule, §4.6);
 * other dynamic function symbols keep their names; lines are the record line
 * from the entry, refined by the same function's statement sites.
 *
 * Threads and signals: allocates and calls dlsym and the image lookup
 * (Linux: dlinfo, dl_iterate_phdr), which take the loader's lock; thread-safe, not async-signal-safe. Run it
 * at load or first use, never on a walk or lookup path.
 */
#ifndef LLGI_LLGO_H
#define LLGI_LLGO_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define LLGI_LLGO_NOT_LLGO 0
#define LLGI_LLGO_BUILT 1
#define LLGI_LLGO_INVALID (-1)
#define LLGI_LLGO_NOMEM (-2)

/*
 * Builds the table of the module opened as `handle` (a dlopen handle).
 * Returns LLGI_LLGO_BUILT and sets *table (malloc'd; the caller frees) and
 * *size; LLGI_LLGO_NOT_LLGO when the image defines no llgo funcinfo table
 * (or an empty one); LLGI_LLGO_INVALID with *why set to a static message
 * when llgo's tables are inconsistent (nothing is built from them);
 * LLGI_LLGO_NOMEM. The table describes link-time addresses (runtime address
 * minus the module's load bias), like every LLGI table.
 */
int llgi_llgo_build(void *handle, uint8_t **table, size_t *size, const char **why);

#ifdef __cplusplus
}
#endif

#endif /* LLGI_LLGO_H */
