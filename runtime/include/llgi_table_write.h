/*
 * llgi_table_write.h: lays out an LLGI table (docs/table-format.md) from
 * functions, line rows and the inline tree built in memory: the one encoder
 * of the format, for tables built from files (llgi_build.h) and inside the
 * process (llgi_llgo.h). Its output is validated by llgi_table_adopt like
 * every other table.
 *
 * Threads and signals: allocates (malloc); thread-safe (no shared state), not
 * async-signal-safe. Not for walk or lookup paths.
 */
#ifndef LLGI_TABLE_WRITE_H
#define LLGI_TABLE_WRITE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* A line row: from `addr` on, `root` ‖ `name` : `line` (root and name are
 * NUL-terminated; both NULL means "no line information from here"). Strings
 * are interned by pointer identity: equal pointers share one table string. */
typedef struct llgi_wrow {
  uint64_t addr;
  const char *root;
  const char *name;
  uint32_t line;
} llgi_wrow;

typedef struct llgi_wfunc {
  uint64_t entry;
  uint32_t size;       /* valid with LLGI_FUNC_SIZED in flags */
  uint32_t flags;      /* LLGI_FUNC_* */
  const char *pkg;     /* name = pkg "." local, or just local when pkg is NULL/"" */
  const char *local;
  uint32_t row_start;  /* this function's rows in the rows array */
  uint32_t row_count;
  const char *decl_file; /* NULL: unknown */
  uint32_t decl_line;
  const char *sym_file;  /* NULL: none */
  uint32_t paint_start;  /* this function's paints in the paints array */
  uint32_t paint_count;
} llgi_wfunc;

/* From `addr` on, `node` (an index into nodes, LLGI_NONE: none) is the innermost inlined call. */
typedef struct llgi_wpaint {
  uint64_t addr;
  uint32_t node;
} llgi_wpaint;

typedef struct llgi_wnode {
  uint32_t parent;       /* a smaller index, or LLGI_NONE */
  const char *name;
  const char *call_file; /* NULL: unknown */
  uint32_t call_line;
} llgi_wnode;

typedef struct llgi_wtable {
  uint64_t text_start, text_end;
  const llgi_wfunc *funcs;
  uint32_t nfunc;
  const llgi_wrow *rows;
  uint32_t nrows;
  const llgi_wpaint *paints;
  uint32_t npaints;
  const llgi_wnode *nodes;
  uint32_t nnodes;
} llgi_wtable;

/*
 * Writes a table for functions sorted by strictly increasing entry, inside
 * [text_start, text_end), with rows and paints strictly increasing inside each
 * function and every node's parent before it. Strings (names, files) are
 * interned by pointer identity: equal pointers share one table string, so a
 * caller that wants equal contents shared passes one pointer for them.
 * On success returns 0 and sets *out (malloc'd; the caller frees) and *size;
 * returns -1 on a violated precondition or a size over the format's 32-bit
 * limits, -2 when out of memory.
 */
int llgi_table_write_full(const llgi_wtable *t, uint8_t **out, size_t *size);

/* llgi_table_write_full without paints and nodes. */
int llgi_table_write(uint64_t text_start, uint64_t text_end, const llgi_wfunc *funcs, uint32_t nfunc,
                     const llgi_wrow *rows, uint32_t nrows, uint8_t **out, size_t *size);

#ifdef __cplusplus
}
#endif

#endif /* LLGI_TABLE_WRITE_H */
