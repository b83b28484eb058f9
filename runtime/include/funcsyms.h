/*
 * funcsyms.h: the function symbols of a binary's symbol table, chosen the
 * way llvm-symbolizer chooses them (one per address), for the table builder
 * (llgi_build.h). The symbol table's format is the platform's: Linux reads
 * ELF's .symtab / .dynsym (runtime/src/linux/funcsyms.c); a Mach-O port
 * would read nlist entries.
 *
 * Threads and signals: allocates (malloc); thread-safe (no shared state),
 * not async-signal-safe. Build side only.
 */
#ifndef LLGI_FUNCSYMS_H
#define LLGI_FUNCSYMS_H

#include <stddef.h>
#include <stdint.h>

#include "llgi_build.h"

#ifdef __cplusplus
extern "C" {
#endif

/* A function symbol: its start, size (0: unknown) and name, and for a
 * local symbol the source file the symbol table names before it (NULL
 * otherwise). Names point into the symbol table's string table. */
typedef struct llgi_funcsym {
  uint64_t addr;
  uint64_t size;
  const char *name;
  const char *file;
} llgi_funcsym;

/* The chosen symbols by increasing address into *out (malloc'd, NULL when
 * none; the caller frees) and *n. Returns 0; -1 with err set when the
 * table is corrupt; -2 when out of memory. */
int llgi_function_symbols(const llgi_bsymtab *t, llgi_funcsym **out, size_t *n, llgi_derr *err);

#ifdef __cplusplus
}
#endif

#endif /* LLGI_FUNCSYMS_H */
