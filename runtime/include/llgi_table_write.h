/*
 * llgi_table_write.h: lays out an LLGI table (docs/table-format.md) from
 * functions and line rows built in memory. compiler/table/write.ts is the
 * writer for tables built from files; this one serves tables built inside the
 * process without TypeScript (llgi_llgo.h). Its output is validated by
 * llgi_table_adopt like every other table.
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
} llgi_wfunc;

/*
 * Writes a table for functions sorted by strictly increasing entry, inside
 * [text_start, text_end), with rows strictly increasing inside each function.
 * On success returns 0 and sets *out (malloc'd; the caller frees) and *size;
 * returns -1 on a violated precondition or a size over the format's 32-bit
 * limits, -2 when out of memory.
 */
int llgi_table_write(uint64_t text_start, uint64_t text_end, const llgi_wfunc *funcs, uint32_t nfunc,
                     const llgi_wrow *rows, uint32_t nrows, uint8_t **out, size_t *size);

#ifdef __cplusplus
}
#endif

#endif /* LLGI_TABLE_WRITE_H */
