/*
 * llgi_embed.h: finding an LLGI table embedded in a loaded image
 * (docs/embedding.md).
 *
 * The post-link writer (compiler/embed/postlink.ts) stores the table in the
 * descriptor of one ELF note, name "LLGI.table" (namesz 11), type 1, in an
 * allocated 8-byte aligned SHT_NOTE section `.note.llgi` reserved at link
 * time. Linkers put it in a PT_NOTE segment inside a PT_LOAD, so the table is
 * part of the mapped image: the platform finds it (Linux: from the program
 * headers, runtime/src/linux/embednote.c and llgi_embed_elf.h) and it is
 * adopted in place (zero-copy): at first use with llgi_table_adopt_lazy when a
 * checksum index follows it, otherwise whole with llgi_table_adopt. Either
 * way every byte a lookup reads is validated, checksum included, before the
 * lookup reads it.
 *
 * The descriptor holds the table (its header's total size says how long it
 * is) followed by zero bytes up to the reserved size. A descriptor whose
 * first LLGI_TABLE_HEADER_SIZE bytes are all zero is a reservation nothing
 * was written into: "no embedded table", not an error. Bytes after the
 * table's total size are not part of the table and are never read.
 *
 * Addresses are runtime addresses (link-time address + load bias).
 */
#ifndef LLGI_EMBED_H
#define LLGI_EMBED_H

#include <stddef.h>
#include <stdint.h>

#include "llgi_table.h"

#ifdef __cplusplus
extern "C" {
#endif

#define LLGI_EMBED_SECTION ".note.llgi"
#define LLGI_EMBED_NOTE_NAME "LLGI.table" /* namesz 11, with the NUL */
#define LLGI_EMBED_NOTE_TYPE 1u
/* Offset of the descriptor from the note's start, with 4- or 8-byte note padding. */
#define LLGI_EMBED_DESC_OFFSET 24u

/*
 * The descriptor reserved for a table in the loaded object whose load bias
 * is `bias` and whose path equals `name` (Linux: link_map's l_addr and
 * l_name from dlinfo(RTLD_DI_LINKMAP); the first "LLGI.table" note, found
 * with llgi_embed_find). Returns 1 and sets *desc / *descsz (the whole
 * reserved descriptor, in the mapped image), or 0 when the object has none
 * or is not loaded.
 * Thread-safe; NOT async-signal-safe (Linux: dl_iterate_phdr takes the
 * dynamic loader's lock). Allocates nothing.
 */
int llgi_embed_note(uintptr_t bias, const char *name, const uint8_t **desc, size_t *descsz);

/*
 * Decides what a found descriptor holds, reading only its header: returns 1
 * with *table / *size set to the table's bytes (pass them to
 * llgi_table_adopt, which validates them), 0 for an empty reservation (the
 * first LLGI_TABLE_HEADER_SIZE bytes are zero, or the descriptor is shorter
 * than a header and all zero), or -1 when the descriptor cannot hold a table
 * (misaligned, shorter than its header, or a total size larger than the
 * descriptor); then `err` says why, with the offset in the descriptor.
 * Thread-safe, async-signal-safe, allocation-free. Cost: O(1) (one header).
 */
int llgi_embed_table(const uint8_t *desc, size_t descsz, const void **table, size_t *size, llgi_table_error *err);

/*
 * The checksum index (LLGISUM1, docs/embedding.md) that postlink writes
 * after a table of `size` bytes in the descriptor, at the first 8-byte
 * boundary after it; its length follows from `size` alone (one sum per 4 KiB
 * chunk, one per page of 1024 sums, a 32-byte header), so a corrupt index
 * cannot make anyone read past the descriptor. Returns 1 and sets *sums /
 * *sums_size (pass them to llgi_table_adopt_lazy, which validates them), 0
 * when there is no index (the bytes there are zero, or there is no room: a
 * table written by an earlier postlink, to be adopted whole), or -1 when
 * something else is there (`err`, with the offset in the descriptor).
 * Thread-safe, async-signal-safe, allocation-free. Cost: O(1).
 */
int llgi_embed_sums(const uint8_t *desc, size_t descsz, size_t size, const void **sums, size_t *sums_size,
                    llgi_table_error *err);

/*
 * llgi_embed_note + llgi_embed_table + llgi_embed_sums for the loaded object
 * whose load bias is `bias` and whose path equals `name`. Returns 1 (table
 * found; *sums is NULL and *sums_size 0 when it has no checksum index), 0 (no
 * note, an empty reservation, or no such object) or -1 (malformed: see
 * `err`). The table is the mapped image's memory: it stays valid until the
 * object is unmapped (its last dlclose).
 * Thread-safe; NOT async-signal-safe (llgi_embed_note). Allocates nothing.
 */
int llgi_embed_locate(uintptr_t bias, const char *name, const void **table, size_t *size, const void **sums,
                      size_t *sums_size, llgi_table_error *err);

#ifdef __cplusplus
}
#endif

#endif /* LLGI_EMBED_H */
