/*
 * llgi_table.h: the C reader of the LLGI table (docs/table-format.md).
 *
 * The table is produced only by compiler/table (TypeScript); this file is its
 * only reader. A table is adopted once (llgi_table_adopt validates every
 * offset, count, ordering and index in it, so no lookup can read outside the
 * buffer or return an index it did not check); after that every lookup reads
 * the caller's buffer in place.
 *
 * Units: every `addr` argument is an address in the table's own address space
 * (the link-time virtual address of the ELF the table describes). A loaded
 * module's pcs are converted by the caller (pc - load bias). None of these
 * functions subtracts 1 from a return address: callers that hold return
 * addresses pass pc-1 themselves (gc's CallersFrames rule).
 *
 * Threads and signals: after adoption a table is immutable; all lookups are
 * thread-safe, async-signal-safe, take no lock and never allocate. Adoption
 * itself is also allocation-free and may run on any thread, but must complete
 * before the table is shared with other threads.
 */
#ifndef LLGI_TABLE_H
#define LLGI_TABLE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define LLGI_TABLE_MAGIC "LLGITBL1"
#define LLGI_TABLE_VERSION 2
#define LLGI_TABLE_HEADER_SIZE 96
/* No string / no node / no file: the "absent" value of 32-bit references. */
#define LLGI_NONE 0xffffffffu
/* findfunctab geometry (gc's pcbucketsize and 16 sub-buckets; llgo's u16 deltas). */
#define LLGI_BUCKET_SIZE 4096u
#define LLGI_SUBBUCKETS 16u
#define LLGI_SUBBUCKET_SIZE (LLGI_BUCKET_SIZE / LLGI_SUBBUCKETS)

/* Function record flags. */
#define LLGI_FUNC_SYMTAB 0x1u /* name comes from the ELF symbol table */
#define LLGI_FUNC_DWARF 0x2u  /* a DWARF subprogram describes it */
#define LLGI_FUNC_SIZED 0x4u  /* size is known (symbol st_size or DWARF range) */
#define LLGI_FUNC_LLGO_NAME 0x8u  /* name from llgo's funcinfo record */
#define LLGI_FUNC_LLGO_LINES 0x10u /* lines from llgo's record line and statement anchors */
#define LLGI_FUNC_FLAGS 0x1fu

/* On-disk records (little-endian, 4-byte aligned). */
typedef struct llgi_bucket {
  uint32_t base;                    /* ftab index of the first function in the bucket */
  uint16_t delta[LLGI_SUBBUCKETS];  /* per 256-byte sub-bucket: index - base */
} llgi_bucket;                      /* 36 bytes */

typedef struct llgi_func {
  uint32_t name;        /* string offset */
  uint32_t decl_file;   /* string offset or LLGI_NONE */
  uint32_t decl_line;   /* 0 when unknown */
  uint32_t size;        /* bytes from entry; valid when LLGI_FUNC_SIZED */
  uint32_t row_start;   /* first line row */
  uint32_t row_count;
  uint32_t paint_start; /* first inline paint */
  uint32_t paint_count;
  uint32_t flags;       /* LLGI_FUNC_* */
  uint32_t sym_file;    /* STT_FILE name of a local symbol, or LLGI_NONE */
  uint32_t reserved;    /* must be 0 */
} llgi_func;            /* 44 bytes */

typedef struct llgi_row {
  uint32_t pcoff;       /* text offset where this row starts */
  uint32_t file;        /* string offset, or LLGI_NONE: no line information from here */
  uint32_t line;
} llgi_row;             /* 12 bytes */

typedef struct llgi_paint {
  uint32_t pcoff;       /* text offset where this paint starts */
  uint32_t node;        /* innermost inline node here, or LLGI_NONE: not inlined */
} llgi_paint;           /* 8 bytes */

typedef struct llgi_node {
  uint32_t parent;      /* enclosing inline node (index < this one), or LLGI_NONE */
  uint32_t name;        /* string offset: the inlined function's name */
  uint32_t call_file;   /* string offset or LLGI_NONE: where it was inlined */
  uint32_t call_line;
} llgi_node;            /* 16 bytes */

/* An adopted table: pointers into the caller's buffer, nothing owned. */
typedef struct llgi_table {
  const uint8_t *base;
  size_t size;
  uint64_t text_start;
  uint32_t text_len;
  uint32_t nfunc;
  const uint32_t *ftab; /* nfunc + 1 entry offsets; ftab[nfunc] == text_len */
  const llgi_bucket *buckets;
  uint32_t nbuckets;
  const llgi_func *funcs;
  const llgi_row *rows;
  uint32_t nrows;
  const llgi_paint *paints;
  uint32_t npaints;
  const llgi_node *nodes;
  uint32_t nnodes;
  const char *strings;
  uint32_t strings_size;
  uint32_t max_depth;   /* deepest inline chain + 1 (frames one pc can expand to) */
} llgi_table;

/* Why a table was refused. `what` is a static string; `offset` the byte
 * offset in the buffer where the problem was found. */
typedef struct llgi_table_error {
  const char *what;
  uint64_t offset;
} llgi_table_error;

/*
 * Validates `data[0..size)` and fills `t`. Returns 0 on success, -1 on
 * rejection (then `err` says why; `t` is left zeroed). `data` must be 4-byte
 * aligned and must stay valid and unchanged for as long as `t` is used.
 * Cost: O(size) once. Never reads outside `data[0..size)`.
 */
int llgi_table_adopt(llgi_table *t, const void *data, size_t size, llgi_table_error *err);

/*
 * gc's findfunc: index of the function whose [entry, next entry) holds addr
 * (padding after a function belongs to it, as in gc), or -1 when addr is
 * outside [text_start, text_start + text_len). O(1): bucket, sub-bucket, then
 * a scan bounded by the functions starting in one 256-byte sub-bucket.
 */
int64_t llgi_table_findfunc(const llgi_table *t, uint64_t addr);

/* Entry address (table address space) of function `fi` (0 <= fi < nfunc). */
static inline uint64_t llgi_table_entry(const llgi_table *t, uint32_t fi) {
  return t->text_start + t->ftab[fi];
}

/* NUL-terminated string at a validated offset; NULL for LLGI_NONE. */
static inline const char *llgi_table_string(const llgi_table *t, uint32_t off) {
  return off == LLGI_NONE ? (const char *)0 : t->strings + off;
}

/* One logical frame (gc: a Frame; inlined frames share their physical entry). */
typedef struct llgi_frame {
  const char *function; /* never NULL; "" when the function has no name */
  const char *file;     /* NULL when unknown (gc prints "?") */
  uint32_t line;        /* 0 when unknown */
  uint32_t func;        /* physical function index */
  uint64_t entry;       /* physical function entry (table address space) */
  int inlined;          /* 1 for a frame inlined into the next one */
} llgi_frame;

/*
 * Logical frames at addr, innermost first: the inlined calls active at addr
 * (innermost gets addr's own line, each outer one the call site of the inner
 * one) and finally the physical function. Writes at most `max` frames and
 * returns how many exist (0 when addr is outside the table); a return value
 * above `max` means the output was truncated. The pc is used exactly as given.
 */
int llgi_table_frames(const llgi_table *t, uint64_t addr, llgi_frame *out, int max);

/*
 * file:line at addr inside function fi (gc's Func.FileLine on a physical
 * function, ignoring inlining). Returns 1 and fills *file and *line, or 0 when
 * there is no line information at addr.
 */
int llgi_table_line(const llgi_table *t, uint32_t fi, uint64_t addr, const char **file, uint32_t *line);

/* The table checksum (header field) over `n` bytes: four FNV-style lanes over
 * little-endian 32-bit words with an xorshift per step (docs/table-format.md).
 * Thread-safe, async-signal-safe, allocation-free. */
uint32_t llgi_table_checksum(const uint8_t *p, size_t n);

#ifdef __cplusplus
}
#endif

#endif /* LLGI_TABLE_H */
