/*
 * llgi_embed_elf.h (Linux): the ELF side of finding an embedded LLGI table
 * (llgi_embed.h, docs/embedding.md): the "LLGI.table" note among a loaded
 * image's program headers, for code that already has them (the addon's
 * load(), inside its own dl_iterate_phdr callback).
 */
#ifndef LLGI_EMBED_ELF_H
#define LLGI_EMBED_ELF_H

#include <link.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Scans the PT_NOTE segments of a loaded image (`phdr[0..phnum)`, as
 * dl_iterate_phdr gives them; `bias` is its dlpi_addr) for the first
 * "LLGI.table" note of type 1. Notes are padded to 8 bytes in a segment with
 * p_align 8, to 4 bytes otherwise. Returns 1 and sets *desc / *descsz (the
 * whole reserved descriptor), or 0 when there is none. Reads only the mapped
 * note segments, never past a segment's p_memsz.
 * Thread-safe, async-signal-safe, lock-free, allocation-free. Cost: linear
 * in the number of notes (a handful), not in the table's size.
 */
int llgi_embed_find(uintptr_t bias, const ElfW(Phdr) *phdr, size_t phnum, const uint8_t **desc, size_t *descsz);

#ifdef __cplusplus
}
#endif

#endif /* LLGI_EMBED_ELF_H */
