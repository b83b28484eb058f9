/*
 * llgi_build.h: builds the LLGI table (docs/table-format.md) of a binary from
 * its function symbols, its DWARF and llgo's function tables: the one table
 * builder (docs/symbolization.md says what it answers and why). The caller
 * reads the ELF file (sections, the symbol choice, llgo's tables: the
 * compiler/ TypeScript); everything per DIE, per line row and per address is
 * done here.
 *
 * Threads and signals: allocates (malloc); thread-safe (no shared state), not
 * async-signal-safe. Build side only: never on walk or lookup paths.
 */
#ifndef LLGI_BUILD_H
#define LLGI_BUILD_H

#include <stddef.h>
#include <stdint.h>

#include "llgi_dwarf.h"

#ifdef __cplusplus
extern "C" {
#endif

/* An ELF64 symbol table (.symtab, or .dynsym when there is no .symtab),
 * its headers already checked by the caller. */
typedef struct llgi_bsymtab {
  llgi_dbytes syms;   /* 24-byte Elf64_Sym entries */
  llgi_dbytes strs;   /* the linked string table */
  llgi_dbytes xindex; /* SHT_SYMTAB_SHNDX (u32 per symbol), or empty */
  const uint8_t *exec; /* per section index: 1 when SHF_EXECINSTR */
  uint32_t nsections;
  const char *where;  /* "symbol table [n] .symtab", for messages */
} llgi_bsymtab;

/* llgo's function tables (docs/llgo.md). */
typedef struct llgi_bllgo_func {
  const char *symbol; /* the function's symbol name */
  const char *name;   /* llgo's display name */
  const char *file;   /* "" when unknown */
  uint32_t line;
} llgi_bllgo_func;

typedef struct llgi_bllgo_site {
  uint64_t pc;
  uint32_t func;    /* index into funcs */
  const char *file; /* line sites: "" for the record's file */
  uint32_t line;    /* line sites: 0 for the record's line */
} llgi_bllgo_site;

typedef struct llgi_bllgo {
  const llgi_bllgo_func *funcs;
  uint32_t nfuncs;
  const llgi_bllgo_site *entries; /* entry sites, in table order */
  uint32_t nentries;
  const llgi_bllgo_site *lines;   /* statement sites */
  uint32_t nlines;
} llgi_bllgo;

enum {
  /* Refuse corrupt DWARF instead of answering from the symbol table. */
  LLGI_BUILD_STRICT = 1,
  /* A gc-built binary: names and files as gc's runtime prints them, wrappers kept. */
  LLGI_BUILD_GC = 2,
};

typedef struct llgi_binput {
  llgi_dsections dwarf;
  const llgi_drange *exec; /* executable sections' address ranges */
  uint32_t nexec;
  llgi_bsymtab symtab;
  const llgi_bllgo *llgo;  /* NULL: not an llgo binary with tables */
  uint32_t flags;          /* LLGI_BUILD_* */
  /* Called once per compile unit and phase (each unit counts twice). */
  void (*progress)(void *ctx, uint32_t done, uint32_t total);
  void *progress_ctx;
} llgi_binput;

typedef struct llgi_breport {
  uint32_t functions, functions_with_dwarf, compile_units, line_rows, inline_nodes, llgo_functions;
  /* Problems that degraded the answer, each NUL-terminated, back to back
   * (warnings_len bytes; malloc'd, NULL when none; the caller frees). */
  char *warnings;
  size_t warnings_len;
} llgi_breport;

enum {
  LLGI_BUILD_OK = 0,
  LLGI_BUILD_DWARF_CORRUPT = -1, /* strict build: err says where */
  LLGI_BUILD_NOMEM = -2,
  LLGI_BUILD_NO_FUNCTIONS = -3, /* or no valid table could be made of them */
  LLGI_BUILD_TOO_LARGE = -4,     /* over the format's 32-bit limits */
  LLGI_BUILD_ELF_CORRUPT = -5,   /* the symbol table: err says where */
};

/* On LLGI_BUILD_OK, *table (malloc'd; the caller frees) and *size are set
 * and *rep filled; otherwise nothing is left to free. */
int llgi_build_table(const llgi_binput *in, uint8_t **table, size_t *size, llgi_breport *rep, llgi_derr *err);

#ifdef __cplusplus
}
#endif

#endif /* LLGI_BUILD_H */
