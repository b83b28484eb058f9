/*
 * bctx.h: the state of one table build (llgi_build.h) and the small tools
 * every step of it uses: arrays that grow geometrically and jump to the
 * build's failure point when memory runs out, so the steps read straight.
 * Everything a step allocates hangs off the context (bctx_free releases it
 * whether the build finished or jumped out).
 */
#ifndef LLGI_BCTX_H
#define LLGI_BCTX_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "../dwarf/dreader.h"
#include "llgi_build.h"
#include "llgi_table.h"
#include "llgi_table_write.h"
#include "funcsyms.h"
#include "linejobs.h"
#include "strset.h"

/* An address interval [lo, hi) with a value (a, b): a file and a line, or a
 * subroutine or inline node index and 0. */
typedef struct biv {
  uint64_t lo, hi;
  uintptr_t a;
  uint32_t b;
} biv;

/* count intervals from `start` of an interval array, all inside [lo, ...) of one region. */
typedef struct brun {
  uint64_t lo;
  size_t start, count;
} brun;

typedef struct bregion {
  uint64_t lo, hi;
} bregion;

/* A growable array of `elem`-byte items. */
typedef struct bvec {
  void *p;
  size_t n, cap, elem;
} bvec;

typedef struct bfunc {
  uint64_t entry, size; /* size valid with LLGI_FUNC_SIZED */
  const char *name;
  const char *sym_file;
  const char *decl_file;
  const char *dwarf_name; /* the first DWARF name at this entry */
  uint32_t decl_line;
  uint32_t flags;     /* LLGI_FUNC_* */
  uint32_t llgo_func; /* llgo record naming it, LLGI_NONE */
  uint8_t has_decl_line;
  uint32_t row_start, row_count, paint_start, paint_count;
} bfunc;

typedef struct bunit {
  int has_lines;          /* the unit's line table was read */
  uint32_t nfiles;
  const char **files;     /* the line table's files, interned copies, as recorded */
  const char **row_files; /* the same, as rows and call sites show them (gc: without a leading "./") */
  bvec regions;           /* bregion: the addresses this unit answers for */
} bunit;

typedef struct bctx {
  const llgi_binput *in;
  dfail fail;
  jmp_buf jb;
  llgi_derr err;
  strset strings;
  bvec warnings; /* char: NUL-terminated messages back to back */
  llgi_dinfo info;
  int has_info;
  llgi_daranges aranges;
  bunit *units;  /* info.nunits of them */
  bvec syms;     /* llgi_funcsym: the chosen function symbols, by address */
  bvec funcs;    /* bfunc */
  bvec fslots;   /* uint32_t hash slots entry -> funcs index + 1 */
  bvec lineiv;   /* biv: file (interned), line */
  bvec paintiv;  /* biv: subroutine index, then inline node */
  bvec lineruns, paintruns; /* brun: the sorted pieces of lineiv and paintiv, one per unit region */
  bvec rows;     /* llgi_wrow */
  bvec paints;   /* llgi_wpaint */
  bvec nodes;    /* llgi_wnode */
  uint32_t *node_of;  /* per subroutine: its inline node, LLGI_NONE */
  uint32_t *sub_unit; /* per subroutine: its unit's index */
  blines linejob;     /* the line tables, read on a second thread */
  bline line;         /* a unit's table read here, when the job has none for it */
  bvec scratch, scratch2, scratch3; /* a step's temporaries, freed by the step */
  uint64_t text_start, text_end;
  int code; /* LLGI_BUILD_* of a refusal raised by the builder itself */
} bctx;

static inline void *bx_realloc(bctx *c, void *p, size_t n) {
  void *q = realloc(p, n ? n : 1);
  if (!q) dfail_oom(&c->fail);
  return q;
}

static inline void bvec_init(bvec *v, size_t elem) {
  v->p = NULL;
  v->n = v->cap = 0;
  v->elem = elem;
}

static inline void bvec_reserve(bctx *c, bvec *v, size_t n) {
  if (n <= v->cap) return;
  size_t cap = v->cap ? v->cap : 16;
  while (cap < n) cap *= 2;
  v->p = bx_realloc(c, v->p, cap * v->elem);
  v->cap = cap;
}

/* Room for one more item at the end; returns it (not yet counted: bvec_push counts). */
static inline void *bvec_push(bctx *c, bvec *v) {
  bvec_reserve(c, v, v->n + 1);
  return (char *)v->p + v->elem * v->n++;
}

static inline void bvec_free(bvec *v) {
  free(v->p);
  bvec_init(v, v->elem);
}

/* A scratch array for items of `elem` bytes, emptied (its memory kept when the item size is the same). */
static inline void bvec_scratch(bvec *v, size_t elem) {
  if (v->elem != elem) bvec_free(v);
  v->elem = elem;
  v->n = 0;
}

#define BVEC_AT(v, T, i) (((T *)(v)->p)[i])

/* The interned pointer for the content of s (NULL stays NULL). */
const char *bintern(bctx *c, const char *s);

/* Interned: gc_runtime_name (for a function) or go_name_for_print (dwarf_name unused, for_print 1). */
const char *bgc_name(bctx *c, const char *name, int from_symtab, const char *dwarf_name);
const char *bgc_print_name(bctx *c, const char *name);

/* Records a warning (formatted). */
void bctx_warn(bctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Steps of the build (build.c runs them, with the unit reads between). */
void bsymbols(bctx *c);
void bfuncs_from_symbols(bctx *c);
void bregions(bctx *c);
void bpaint_unit(bctx *c, uint32_t unit, bvec *out);
void bclip(bctx *c, const biv *items, size_t n, const bvec *regions, bvec *out, bvec *runs);
void bgather(bctx *c, bvec *iv, bvec *runs);
void bfuncs_from_dwarf(bctx *c);
/* The function owning pc among the first n by entry (sized: below its end), or NULL. */
bfunc *bowner(bctx *c, size_t n, uint64_t pc);
void bfuncs_llgo_names(bctx *c);
void bfuncs_gc_names(bctx *c);
void bfuncs_finish(bctx *c);
void bnodes(bctx *c);
void bpoints(bctx *c);
void bllgo_lines(bctx *c);

/* A line table's file at `idx` for unit `unit` (interned), NULL when none:
 * as recorded (declarations) or as rows show it (rows and call sites). */
static inline const char *bfile(const bctx *c, uint32_t unit, uint32_t idx, int as_row) {
  if (unit == LLGI_DNONE || !c->units[unit].has_lines || idx >= c->units[unit].nfiles) return NULL;
  return (as_row ? c->units[unit].row_files : c->units[unit].files)[idx];
}

#endif /* LLGI_BCTX_H */
