/*
 * llgi_dwarf.h: the DWARF readers the table builder runs on (DWARF 2-5, as
 * docs/symbolization.md describes): one compile unit's line table, the
 * compile units of .debug_info with their subprogram/inlined-subroutine
 * trees, and .debug_aranges. Results are flat arrays; strings point into the
 * sections (which must outlive the result) or into the result's own storage.
 *
 * Errors: a reader refuses corrupt input with a message of the form
 * "<section>: <what> at offset 0x<hex>" in `err` (the text the TypeScript
 * readers threw before, so callers and tests can match it) and returns -1;
 * -2 means out of memory. Nothing is ever read outside the sections given.
 *
 * Threads and signals: allocates (malloc); thread-safe (no shared state),
 * not async-signal-safe. Build side only: never on walk or lookup paths.
 */
#ifndef LLGI_DWARF_H
#define LLGI_DWARF_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define LLGI_DNONE 0xffffffffu

/* A section's bytes, already decompressed; p NULL (n 0) when absent. */
typedef struct llgi_dbytes {
  const uint8_t *p;
  size_t n;
} llgi_dbytes;

/* The debug sections of one object. */
typedef struct llgi_dsections {
  llgi_dbytes info, abbrev, str, line_str, str_offsets, line, ranges, rnglists, addr, aranges;
} llgi_dsections;

/* A refusal: the message of the first problem found. */
typedef struct llgi_derr {
  char msg[320];
} llgi_derr;

/* ---- .debug_line ---- */

typedef struct llgi_dline_row {
  uint64_t address;
  uint32_t file; /* DWARF file index, as recorded */
  uint32_t line;
  uint32_t column;
  uint8_t is_stmt;
} llgi_dline_row;

typedef struct llgi_dline_seq {
  uint64_t low_pc;
  uint64_t high_pc;   /* address of the end_sequence row (exclusive) */
  uint32_t row_start; /* rows in emission order, end_sequence row left out */
  uint32_t row_count;
} llgi_dline_seq;

typedef struct llgi_dline_table {
  uint64_t offset;
  uint16_t version;
  /* Resolved path per DWARF file index (v5: 0-based; v2-4: 1-based, files[0]
   * NULL); NULL where the index names no file. Printed as llvm-symbolizer
   * prints it (docs/symbolization.md). */
  const char **files;
  uint32_t nfiles;
  llgi_dline_seq *seqs;
  uint32_t nseqs;
  llgi_dline_row *rows;
  uint32_t nrows;
  void *priv; /* the reader's storage; not NULL once a table is read */
} llgi_dline_table;

/* Reads the line table at `offset` of .debug_line, relative paths joined to
 * `comp_dir` (NUL-terminated, "" when the unit has none). On failure the
 * table is left empty (nothing to free). */
int llgi_dline_read(const llgi_dsections *s, uint64_t offset, const char *comp_dir, llgi_dline_table *out, llgi_derr *err);
void llgi_dline_free(llgi_dline_table *t);

/* An address interval [lo, hi) of a line table and what llvm-symbolizer
 * answers inside it: a file index of the table (LLGI_DNONE, line 0, where the
 * row's index names no file) and a line. */
typedef struct llgi_dline_iv {
  uint64_t lo, hi;
  uint32_t file;
  uint32_t line;
} llgi_dline_iv;

/* The table's answers as sorted, non-overlapping intervals, neighbours with
 * the same file and line merged: LLVM's lookup (DWARFDebugLine::LineTable::
 * lookupAddress): the sequence is the first in (high_pc, index) order that
 * ends above the address, and none when that one starts above it; inside it
 * the row std::upper_bound over rows 1.. finds, less one (on ascending rows:
 * the last row at or below the address). *out is malloc'd (NULL when *n is
 * 0); returns 0, or -2 when out of memory (*out NULL, *n 0). */
int llgi_dline_intervals(const llgi_dline_table *t, llgi_dline_iv **out, uint32_t *n);

/* The path llvm-symbolizer prints for a file entry (LLVM's Prologue::
 * getFileNameByIndex, AbsoluteFilePath; docs/symbolization.md): `name` alone
 * when it starts with '/', else comp_dir (not for a v5 entry of directory 0,
 * nor when the directory is absolute), the include directory and the name
 * joined as llvm::sys::path::append joins them. dirs[i] is directory i (v5)
 * or i + 1 (v2-4); a NULL directory counts as "". Writes the path and a NUL
 * into buf when cap exceeds its length; returns the length. */
size_t llgi_dline_path(uint16_t version, const char *const *dirs, uint32_t ndirs, const char *name, uint64_t dir_index,
                       const char *comp_dir, char *buf, size_t cap);

/* ---- .debug_info ---- */

enum { LLGI_DSUB_SUBPROGRAM = 0, LLGI_DSUB_INLINED = 1 };

/* Presence bits of llgi_dsub.has. */
enum {
  LLGI_DHAS_DECL_FILE = 1,
  LLGI_DHAS_DECL_LINE = 2,
  LLGI_DHAS_CALL_FILE = 4,
  LLGI_DHAS_CALL_LINE = 8,
  LLGI_DHAS_CALL_COLUMN = 16,
};

/*
 * One DW_TAG_subprogram or DW_TAG_inlined_subroutine. A unit's subroutines
 * are stored in DIE order (depth first, pre-order), so the subtree of sub i is
 * [i, end), and painting a tree in that order is painting it depth first.
 */
typedef struct llgi_dsub {
  uint64_t die_offset;
  /* Linkage name, else name, found on the DIE or through its
   * abstract_origin/specification (LLVM's findRecursively order); NULL when
   * none resolves. */
  const char *name;
  uint32_t range_start, range_count; /* into llgi_dinfo.ranges; none for declarations and abstract instances */
  uint32_t parent;                   /* nearest enclosing subroutine (global index), LLGI_DNONE at top level */
  uint32_t end;                      /* one past the last subroutine of this one's subtree */
  uint32_t decl_file, decl_line;     /* also found through origin/specification */
  uint32_t decl_file_unit;           /* index in llgi_dinfo.units of the unit whose line table decl_file
                                        indexes (usually its own); LLGI_DNONE when that unit is not listed
                                        there (e.g. a type unit) */
  uint32_t call_file, call_line, call_column; /* inlined subroutines only */
  uint8_t tag;                       /* LLGI_DSUB_* */
  uint8_t trampoline;                /* DW_AT_trampoline on the DIE itself (gc's wrappers) */
  uint8_t has;                       /* LLGI_DHAS_* */
  uint64_t decl_unit_offset;         /* .debug_info offset of the unit decl_file was found in (also when
                                        it is not listed in units) */
} llgi_dsub;

typedef struct llgi_dunit {
  uint64_t offset; /* of the unit header in .debug_info */
  uint16_t version;
  uint8_t unit_type; /* DW_UT_*; DW_UT_compile for DWARF 2-4 */
  uint8_t addr_size;
  uint8_t dwarf64;
  uint8_t has_stmt_list;
  uint8_t has_language;
  const char *name;     /* NULL when absent */
  const char *comp_dir; /* "" when absent */
  const char *producer; /* NULL when absent */
  uint64_t language;
  uint64_t stmt_list;
  uint64_t low_pc; /* the unit's base address, 0 when absent */
  uint32_t range_start, range_count;
  uint32_t sub_start, sub_count; /* this unit's subroutines in llgi_dinfo.subs */
} llgi_dunit;

typedef struct llgi_drange {
  uint64_t lo, hi; /* lo < hi */
} llgi_drange;

/* The compile (and partial and skeleton) units; type and split units are
 * read only when a reference points into them. */
typedef struct llgi_dinfo {
  llgi_dunit *units;
  uint32_t nunits;
  llgi_dsub *subs;
  uint32_t nsubs;
  llgi_drange *ranges;
  uint32_t nranges;
  void *priv;
} llgi_dinfo;

int llgi_dinfo_read(const llgi_dsections *s, llgi_dinfo *out, llgi_derr *err);
/* The same units (the same order, the same fields) without reading below
 * each unit DIE: no subroutines. A fraction of the full read's cost, for
 * what the unit DIE alone says (its line table, its directory). */
int llgi_dinfo_read_units(const llgi_dsections *s, llgi_dinfo *out, llgi_derr *err);
void llgi_dinfo_free(llgi_dinfo *d);

/* ---- .debug_aranges ---- */

typedef struct llgi_darange {
  uint64_t cu_offset;
  uint64_t lo, hi;
} llgi_darange;

/* Every address range of every set (empty ranges left out), set by set in
 * section order, and the unit offset of every set (also of sets without a
 * range: such a unit is still "listed" and gets no region from its DIE). */
typedef struct llgi_daranges {
  llgi_darange *ranges;
  uint32_t count;
  uint64_t *set_cu;
  uint32_t *set_start; /* index in ranges of each set's first range (its ranges end where the next set's start) */
  uint32_t nsets;
} llgi_daranges;

int llgi_daranges_read(const llgi_dsections *s, llgi_daranges *out, llgi_derr *err);
void llgi_daranges_free(llgi_daranges *a);

#ifdef __cplusplus
}
#endif

#endif /* LLGI_DWARF_H */
