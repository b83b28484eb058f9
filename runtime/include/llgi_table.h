/*
 * llgi_table.h: the C reader of the LLGI table (docs/table-format.md).
 *
 * The table is written by llgi_table_write (llgi_table_write.h, for the
 * table builder llgi_build.h and for llgi_llgo.h); this file is its only reader. A table is adopted in
 * one of two ways, and every lookup then reads the caller's buffer in place:
 * - whole (llgi_table_adopt): every byte, offset, count, ordering and index is
 *   validated first, so no lookup can read outside the buffer or return an
 *   index nobody checked. O(size).
 * - at first use (llgi_table_adopt_lazy, for embedded tables that carry a
 *   checksum index, docs/embedding.md): adoption checks the header, the
 *   section layout and the index in O(1); each 4 KiB bucket of text is then
 *   validated the same way, bytes and checksums included, by the first lookup
 *   that lands in it, before that lookup reads anything of it. The first
 *   problem found refuses the whole table from then on.
 *
 * Units: every `addr` argument is an address in the table's own address space
 * (the link-time virtual address of the ELF the table describes). A loaded
 * module's pcs are converted by the caller (pc - load bias). None of these
 * functions subtracts 1 from a return address: callers that hold return
 * addresses pass pc-1 themselves (gc's CallersFrames rule).
 *
 * Threads and signals: after adoption a table's bytes are immutable; all
 * lookups are thread-safe, async-signal-safe, take no lock and never
 * allocate. First-use validation (lazy tables) runs inside a lookup under the
 * same rules: it only reads the table and writes one-byte states in the
 * caller's state memory with relaxed atomics; two threads validating the same
 * bucket at once compute the same result. Adoption itself is allocation-free
 * and may run on any thread, but must complete before the table is shared
 * with other threads.
 */
#ifndef LLGI_TABLE_H
#define LLGI_TABLE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define LLGI_TABLE_MAGIC "LLGITBL1"
#define LLGI_TABLE_VERSION 3
#define LLGI_TABLE_HEADER_SIZE 96
/* No string / no node / no file: the "absent" value of 32-bit references. */
#define LLGI_NONE 0xffffffffu
/* findfunctab geometry (gc's pcbucketsize and 16 sub-buckets; llgo's u16 deltas). */
#define LLGI_BUCKET_SIZE 4096u
#define LLGI_SUBBUCKETS 16u
#define LLGI_SUBBUCKET_SIZE (LLGI_BUCKET_SIZE / LLGI_SUBBUCKETS)
/* The header checksum covers bytes [LLGI_TABLE_CHECKSUM_START, total size). */
#define LLGI_TABLE_CHECKSUM_START 24u

/* The checksum index of an embedded table (docs/embedding.md, "Checksum
 * index"): one checksum per 4 KiB chunk of the table, and one per page of
 * 1024 of those, so that first-use validation checks only what it reads. */
#define LLGI_SUMS_MAGIC "LLGISUM1"
#define LLGI_SUMS_HEADER_SIZE 32u
#define LLGI_SUMS_CHUNK 4096u
#define LLGI_SUMS_PAGE 1024u
/* The checksum index of a `table_size`-byte table: its chunk and page
 * counts, and its length in bytes (which follows from the table's size alone). */
static inline uint64_t llgi_sums_size(uint64_t table_size, uint64_t *nchunks, uint64_t *npages) {
  *nchunks = (table_size + LLGI_SUMS_CHUNK - 1) / LLGI_SUMS_CHUNK;
  *npages = (*nchunks + LLGI_SUMS_PAGE - 1) / LLGI_SUMS_PAGE;
  return LLGI_SUMS_HEADER_SIZE + 4 * (*npages + *nchunks);
}
/* What a lookup returns when a lazily adopted table has been refused. */
#define LLGI_TABLE_REFUSED (-2)

/* Function record flags. */
#define LLGI_FUNC_SYMTAB 0x1u /* name comes from the ELF symbol table */
#define LLGI_FUNC_DWARF 0x2u  /* a DWARF subprogram describes it */
#define LLGI_FUNC_SIZED 0x4u  /* size is known (symbol st_size or DWARF range) */
#define LLGI_FUNC_LLGO_NAME 0x8u  /* name from llgo's funcinfo record */
#define LLGI_FUNC_LLGO_LINES 0x10u /* lines from llgo's record line and statement anchors */
#define LLGI_FUNC_WRAPPER 0x20u /* a gc wrapper: gc's stacks elide it above the function it wraps */
#define LLGI_FUNC_FLAGS 0x3fu

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

/* Why a table was refused. `what` is a static string; `offset` the byte
 * offset in the buffer where the problem was found (for a problem in a
 * checksum index: the table's size + the offset in the index, as if the
 * index followed the table directly). */
typedef struct llgi_table_error {
  const char *what;
  uint64_t offset;
} llgi_table_error;

/* Shared state of a table adopted at first use (in the caller's memory). */
typedef struct llgi_table_lazy {
  uint32_t failed;          /* 0; 1 while the first failure is recorded; 2 recorded */
  uint32_t reserved;
  llgi_table_error failure; /* valid when failed == 2 */
} llgi_table_lazy;

/* An adopted table: pointers into the caller's buffers, nothing owned. */
typedef struct llgi_table {
  const uint8_t *base;
  size_t size;
  uint64_t text_start;
  uint32_t text_len;
  uint32_t nfunc;
  const uint32_t *ftab; /* nfunc + 1 entry offsets; ftab[nfunc] == text_len */
  const llgi_bucket *buckets;
  /* First-use validation (NULL for a table adopted whole): per bucket, 0
   * unchecked, 1 valid; and the shared refusal state. Beside what findfunc
   * reads, in the struct's first 64 bytes. */
  uint8_t *units;
  llgi_table_lazy *lazy;
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
  /* More first-use validation state; all NULL / 0 for a table adopted whole. */
  uint8_t *chunks;      /* per 4 KiB chunk of the table: 0 unchecked, 1 valid */
  uint8_t *pages;       /* per page of chunk sums: 0 unchecked, 1 valid */
  const uint32_t *sums; /* chunk checksums */
  const uint32_t *tops; /* page checksums */
  uint32_t nchunks;
  uint32_t npages;
} llgi_table;

/*
 * Validates `data[0..size)` and fills `t`. Returns 0 on success, -1 on
 * rejection (then `err` says why; `t` is left zeroed). `data` must be 4-byte
 * aligned and must stay valid and unchanged for as long as `t` is used.
 * Cost: O(size) once. Never reads outside `data[0..size)`.
 */
int llgi_table_adopt(llgi_table *t, const void *data, size_t size, llgi_table_error *err);

/*
 * Adopts `data[0..size)` for validation at first use, with its checksum index
 * `sums[0..sums_size)` (the LLGISUM1 record postlink writes after an embedded
 * table). Checks now: the table's 96-byte header against the index's header
 * checksum, then its fields and section layout, and the index's own header
 * and page checksums. O(1) in what it reads: the header, the index's 32-byte
 * header and its page sums (4 bytes per 4 MiB of table). Every other byte is
 * checked by the first lookup that needs it (see the top of this file).
 * `state` (8-byte aligned) receives the per-bucket and per-chunk states (one
 * byte per 4 KiB of text and per 4 KiB of table), zeroed here.
 * Returns 0 on success, -1 on rejection (`err` says why; `t` is zeroed), or,
 * when `state_size` is too small, the number of state bytes needed (then
 * nothing is adopted: call again with that much). `data`, `sums` and `state`
 * must stay valid, and the first two unchanged, for as long as `t` is used.
 */
int64_t llgi_table_adopt_lazy(llgi_table *t, const void *data, size_t size, const void *sums, size_t sums_size,
                              void *state, size_t state_size, llgi_table_error *err);

/*
 * Validates every bucket of a lazily adopted table now (no-op for a table
 * adopted whole). Returns 0, or -1 when the table is refused (see
 * llgi_table_failure). Same rules as a lookup.
 */
int llgi_table_validate_all(const llgi_table *t);

/*
 * Returns 1 and fills `err` when a lazily adopted table has been refused by
 * first-use validation, else 0 (a table adopted whole is never refused after
 * adoption). Thread-safe, async-signal-safe.
 */
int llgi_table_failure(const llgi_table *t, llgi_table_error *err);

/*
 * gc's findfunc: index of the function whose [entry, next entry) holds addr
 * (padding after a function belongs to it, as in gc), or -1 when addr is
 * outside [text_start, text_start + text_len), or LLGI_TABLE_REFUSED when a
 * lazily adopted table is (or, validating addr's bucket now, turns out to be)
 * refused. O(1): bucket, sub-bucket, then a scan bounded by the functions
 * starting in one 256-byte sub-bucket; plus, once per bucket of a lazily
 * adopted table, that bucket's validation.
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
 * returns how many exist (0 when addr is outside the table, -1 when the table
 * is refused: llgi_table_failure); a return value above `max` means the output
 * was truncated. The pc is used exactly as given.
 */
int llgi_table_frames(const llgi_table *t, uint64_t addr, llgi_frame *out, int max);

/*
 * file:line at addr inside function fi (gc's Func.FileLine on a physical
 * function, ignoring inlining). Returns 1 and fills *file and *line, 0 when
 * there is no line information at addr or addr is not inside function fi, -1
 * when the table is refused.
 */
int llgi_table_line(const llgi_table *t, uint32_t fi, uint64_t addr, const char **file, uint32_t *line);

/* The table checksum (header field, chunk and page sums) over `n` bytes: four FNV-style lanes over
 * little-endian 32-bit words with an xorshift per step (docs/table-format.md).
 * Thread-safe, async-signal-safe, allocation-free. */
uint32_t llgi_table_checksum(const uint8_t *p, size_t n);

#ifdef __cplusplus
}
#endif

#endif /* LLGI_TABLE_H */
