/*
 * line.c: the .debug_line reader (llgi_dwarf.h), DWARF 2-5. Parses one
 * line-number program header, runs its state machine, keeps the sequences
 * LLVM keeps and resolves each file index's path exactly as llvm-symbolizer
 * prints it, so our answers compare byte for byte with LLVM's (lineiv.c
 * turns a table into the address intervals LLVM's lookup answers with).
 *
 * Registers wrap like LLVM's Row (uint32 line, uint16 column and file), so
 * even nonsense programs give what llvm-symbolizer prints.
 */
#include <stdlib.h>
#include <string.h>

#include "dforms.h"
#include "dreader.h"
#include "llgi_dwarf.h"

/* Standard opcodes. */
enum {
  DW_LNS_copy = 1,
  DW_LNS_advance_pc = 2,
  DW_LNS_advance_line = 3,
  DW_LNS_set_file = 4,
  DW_LNS_set_column = 5,
  DW_LNS_negate_stmt = 6,
  DW_LNS_set_basic_block = 7,
  DW_LNS_const_add_pc = 8,
  DW_LNS_fixed_advance_pc = 9,
  DW_LNS_set_prologue_end = 10,
  DW_LNS_set_epilogue_begin = 11,
  DW_LNS_set_isa = 12,
};

/* Extended opcodes. */
enum { DW_LNE_end_sequence = 1, DW_LNE_set_address = 2, DW_LNE_define_file = 3 };

/* v5 entry-format content types. */
enum { DW_LNCT_path = 1, DW_LNCT_directory_index = 2 };

/* Addresses whose upper half is all ones are tombstones (a discarded
 * section's code): a sequence starting at one is dropped. */
#define TOMBSTONE_FLOOR 0xffffffff00000000ull

/* A file entry as recorded in the header (or added by DW_LNE_define_file). */
typedef struct lfile {
  const char *name; /* NULL when the entry names no string the table can read */
  uint64_t dir;
} lfile;

typedef struct lheader {
  uint16_t version;
  uint8_t min_inst;
  uint8_t max_ops;
  uint8_t default_is_stmt;
  int8_t line_base;
  uint8_t line_range;
  uint8_t opcode_base;
  const uint8_t *std_lengths; /* opcode_base - 1 bytes, in the section */
} lheader;

/* Everything a parse allocates, freed together after success or a longjmp. */
typedef struct lctx {
  dfail fail;
  const llgi_dsections *s;
  int dwarf64;
  const char **dirs; /* v5: index 0 is the compilation directory; v2-4: entry i is DWARF directory i+1 */
  size_t ndirs, capdirs;
  lfile *files;
  size_t nfiles, capfiles;
  llgi_dline_row *rows;
  size_t nrows, caprows;
  llgi_dline_seq *seqs;
  size_t nseqs, capseqs;
  const char **paths; /* the result's files */
  char *joined;       /* the result's joined paths */
} lctx;

/* Makes room for one more element of `size` bytes (geometric growth); counts stay below 2^32. */
static void *grow(dfail *f, void *p, size_t *cap, size_t n, size_t size) {
  if (n < *cap) return p;
  if (n >= UINT32_MAX) dfail_oom(f);
  size_t cap2 = *cap ? *cap * 2 : 16;
  if (cap2 > UINT32_MAX) cap2 = UINT32_MAX;
  void *q = realloc(p, cap2 * size);
  if (!q) dfail_oom(f);
  *cap = cap2;
  return q;
}

static void push_dir(lctx *c, const char *dir) {
  c->dirs = grow(&c->fail, c->dirs, &c->capdirs, c->ndirs, sizeof *c->dirs);
  c->dirs[c->ndirs++] = dir;
}

static void push_file(lctx *c, const char *name, uint64_t dir) {
  c->files = grow(&c->fail, c->files, &c->capfiles, c->nfiles, sizeof *c->files);
  c->files[c->nfiles].name = name;
  c->files[c->nfiles].dir = dir;
  c->nfiles++;
}

/* The rest of a v2-4 file entry (or DW_LNE_define_file) after its name. */
static void read_v4_file_tail(lctx *c, dreader *r, const char *name) {
  uint64_t dir = dr_uleb(r);
  dr_uleb(r); /* modification time */
  dr_uleb(r); /* file length */
  push_file(c, name, dir);
}

/* One attribute value of a v5 entry. */
typedef struct lvalue {
  enum { LV_NONE, LV_STR, LV_NUM } kind;
  const char *str;
  uint64_t num;
} lvalue;

/* Reads one v5 entry value. Strings resolve to text; string indexes (strx*,
 * strp_sup) need context the line table lacks and yield none; blocks and
 * data16 (MD5) are skipped. */
static lvalue read_form(lctx *c, dreader *r, uint64_t form) {
  lvalue v = {LV_NONE, NULL, 0};
  switch (form) {
    case DW_FORM_string: v.kind = LV_STR; v.str = dr_cstr(r); break;
    case DW_FORM_line_strp: v.kind = LV_STR; v.str = dstring_at(&c->s->line_str, dr_offset(r, c->dwarf64), ".debug_line_str", &c->fail); break;
    case DW_FORM_strp: v.kind = LV_STR; v.str = dstring_at(&c->s->str, dr_offset(r, c->dwarf64), ".debug_str", &c->fail); break;
    case DW_FORM_strp_sup: dr_offset(r, c->dwarf64); break;
    case DW_FORM_sec_offset: v.kind = LV_NUM; v.num = dr_offset(r, c->dwarf64); break;
    case DW_FORM_strx: dr_uleb(r); break;
    case DW_FORM_strx1: dr_u8(r); break;
    case DW_FORM_strx2: dr_u16(r); break;
    case DW_FORM_strx3: dr_u24(r); break;
    case DW_FORM_strx4: dr_u32(r); break;
    case DW_FORM_udata: v.kind = LV_NUM; v.num = dr_uleb(r); break;
    case DW_FORM_sdata: v.kind = LV_NUM; v.num = (uint64_t)dr_sleb(r); break;
    case DW_FORM_data1:
    case DW_FORM_flag: v.kind = LV_NUM; v.num = dr_u8(r); break;
    case DW_FORM_data2: v.kind = LV_NUM; v.num = dr_u16(r); break;
    case DW_FORM_data4: v.kind = LV_NUM; v.num = dr_u32(r); break;
    case DW_FORM_data8: dr_skip(r, 8); break; /* timestamps and sizes only */
    case DW_FORM_data16: dr_skip(r, 16); break;
    case DW_FORM_block: dr_skip(r, dr_uleb(r)); break;
    case DW_FORM_block1: dr_skip(r, dr_u8(r)); break;
    case DW_FORM_block2: dr_skip(r, dr_u16(r)); break;
    case DW_FORM_block4: dr_skip(r, dr_u32(r)); break;
    default: dr_fail(r, r->pos, "unsupported form 0x%llx in file/directory entry format", (unsigned long long)form);
  }
  return v;
}

/* A v5 directory or file table: entry format, count, entries. */
static void read_entries(lctx *c, dreader *r, int dirs) {
  struct {
    uint64_t content, form;
  } format[255];
  uint8_t nformat = dr_u8(r);
  for (unsigned i = 0; i < nformat; i++) {
    format[i].content = dr_uleb(r);
    format[i].form = dr_uleb(r);
  }
  uint64_t count = dr_uleb(r);
  /* Without a format an entry has no bytes, so a hostile count would spin;
   * with one, every entry takes at least a byte, so the section bounds it. */
  if (nformat == 0 && count != 0) dr_fail(r, r->pos, "%llu entries but an empty entry format", (unsigned long long)count);
  for (uint64_t i = 0; i < count; i++) {
    const char *name = NULL;
    uint64_t dir = 0;
    for (unsigned k = 0; k < nformat; k++) {
      lvalue v = read_form(c, r, format[k].form);
      if (format[k].content == DW_LNCT_path) name = v.kind == LV_STR ? v.str : NULL;
      else if (format[k].content == DW_LNCT_directory_index) dir = v.kind == LV_NUM ? v.num : 0;
    }
    if (dirs) push_dir(c, name);
    else push_file(c, name, dir);
  }
}

static lheader read_header(lctx *c, dreader *r) {
  lheader h;
  memset(&h, 0, sizeof h);
  h.version = dr_u16(r);
  if (h.version < 2 || h.version > 5) dr_fail(r, r->pos - 2, "unsupported line table version %u", h.version);
  if (h.version >= 5) {
    dr_u8(r); /* address_size: DW_LNE_set_address carries its own length */
    dr_u8(r); /* segment_selector_size */
  }
  uint64_t header_length = dr_offset(r, c->dwarf64);
  if (header_length > dr_left(r)) dr_fail(r, r->pos, "header_length 0x%llx runs past the unit end", (unsigned long long)header_length);
  size_t program_start = r->pos + (size_t)header_length;

  h.min_inst = dr_u8(r);
  /* max_ops 0 is meaningless; treat it as the v2/v3 implicit 1 (non-VLIW). */
  h.max_ops = 1;
  if (h.version >= 4) {
    uint8_t m = dr_u8(r);
    if (m) h.max_ops = m;
  }
  h.default_is_stmt = dr_u8(r) != 0;
  h.line_base = (int8_t)dr_u8(r);
  h.line_range = dr_u8(r);
  h.opcode_base = dr_u8(r);
  h.std_lengths = r->buf + r->pos; /* read byte by byte: a truncation is reported at its byte */
  for (unsigned i = 1; i < h.opcode_base; i++) dr_u8(r);

  if (h.version >= 5) {
    read_entries(c, r, 1);
    read_entries(c, r, 0);
  } else {
    for (const char *dir = dr_cstr(r); *dir; dir = dr_cstr(r)) push_dir(c, dir);
    for (const char *name = dr_cstr(r); *name; name = dr_cstr(r)) read_v4_file_tail(c, r, name);
  }
  if (r->pos > program_start)
    dr_fail(r, r->pos, "header is longer than its header_length (program should start at 0x%zx)", program_start);
  r->pos = program_start;
  return h;
}

/* The state machine's registers (DWARF 6.2.2). */
typedef struct lregs {
  uint64_t address, op_index;
  uint32_t file, line, column;
  uint8_t is_stmt;
} lregs;

static void reset(lregs *g, const lheader *h) {
  g->address = 0;
  g->op_index = 0;
  g->file = 1;
  g->line = 1;
  g->column = 0;
  g->is_stmt = h->default_is_stmt;
}

/* DWARF 6.2.5.1: VLIW advance by operation; with max_ops 1 it is plain address arithmetic. */
static inline void advance(lregs *g, const lheader *h, uint64_t operation_advance) {
  if (h->max_ops == 1) {
    g->address += h->min_inst * operation_advance;
  } else {
    uint64_t ops = g->op_index + operation_advance;
    g->address += h->min_inst * (ops / h->max_ops);
    g->op_index = ops % h->max_ops;
  }
}

static inline void need_line_range(dreader *r, const lheader *h) {
  if (h->line_range == 0) dr_fail(r, r->pos - 1, "line_range is 0 but a special opcode or DW_LNS_const_add_pc needs it");
}

static inline void emit(lctx *c, const lregs *g) {
  if (c->nrows == c->caprows) c->rows = grow(&c->fail, c->rows, &c->caprows, c->nrows, sizeof *c->rows);
  llgi_dline_row *row = &c->rows[c->nrows++];
  row->address = g->address;
  row->file = g->file;
  row->line = g->line;
  row->column = g->column;
  row->is_stmt = g->is_stmt;
}

/* LLVM's Sequence::isValid: a sequence must cover at least one byte; a
 * tombstoned one is dropped. Its rows stay, or go with it. */
static void end_sequence(lctx *c, size_t first, uint64_t end) {
  if (c->nrows > first && c->rows[first].address < end && c->rows[first].address < TOMBSTONE_FLOOR) {
    c->seqs = grow(&c->fail, c->seqs, &c->capseqs, c->nseqs, sizeof *c->seqs);
    llgi_dline_seq *q = &c->seqs[c->nseqs++];
    q->low_pc = c->rows[first].address;
    q->high_pc = end;
    q->row_start = (uint32_t)first;
    q->row_count = (uint32_t)(c->nrows - first);
  } else {
    c->nrows = first;
  }
}

/* One extended opcode, after its 0 byte. */
static void extended(lctx *c, dreader *r, lheader *h, lregs *g, size_t *first) {
  uint64_t len = dr_uleb(r);
  if (len > dr_left(r)) dr_fail(r, r->pos, "extended opcode length %llu runs past the unit end", (unsigned long long)len);
  if (len == 0) return; /* no sub-opcode: nothing to do */
  size_t ext_end = r->pos + (size_t)len, unit_end = r->end;
  r->end = ext_end; /* operands may not run past the opcode's declared length */
  uint8_t sub = dr_u8(r);
  if (sub == DW_LNE_end_sequence) {
    end_sequence(c, *first, g->address);
    *first = c->nrows;
    reset(g, h);
  } else if (sub == DW_LNE_set_address) {
    if (len - 1 > 8) dr_fail(r, r->pos, "unsupported value size %llu", (unsigned long long)(len - 1));
    g->address = dr_un(r, (unsigned)(len - 1));
    g->op_index = 0;
  } else if (sub == DW_LNE_define_file && h->version < 5) {
    read_v4_file_tail(c, r, dr_cstr(r));
  }
  /* set_discriminator and unknown extended opcodes are skipped by length. */
  r->end = unit_end;
  r->pos = ext_end;
}

/* Runs the line-number program from r->pos to r->end. */
static void run_program(lctx *c, dreader *r, lheader *h) {
  lregs g;
  reset(&g, h);
  size_t first = c->nrows; /* the current sequence's first row */
  while (r->pos < r->end) {
    uint8_t opcode = r->buf[r->pos++];
    /* Opcode 0 is always extended, even with a degenerate opcode_base of 0 (as LLVM). */
    if (opcode != 0 && opcode >= h->opcode_base) {
      need_line_range(r, h);
      unsigned adjusted = opcode - h->opcode_base;
      g.line = (uint32_t)((int64_t)g.line + h->line_base + adjusted % h->line_range);
      advance(&g, h, adjusted / h->line_range);
      emit(c, &g);
      continue;
    }
    switch (opcode) {
      case 0: extended(c, r, h, &g, &first); break;
      case DW_LNS_copy: emit(c, &g); break;
      case DW_LNS_advance_pc: advance(&g, h, dr_uleb(r)); break;
      case DW_LNS_advance_line: g.line = (uint32_t)(g.line + (uint64_t)dr_sleb(r)); break;
      case DW_LNS_set_file: g.file = (uint32_t)(dr_uleb(r) & 0xffff); break;
      case DW_LNS_set_column: g.column = (uint32_t)(dr_uleb(r) & 0xffff); break;
      case DW_LNS_negate_stmt: g.is_stmt = !g.is_stmt; break;
      case DW_LNS_const_add_pc:
        need_line_range(r, h);
        advance(&g, h, (255u - h->opcode_base) / h->line_range);
        break;
      case DW_LNS_fixed_advance_pc:
        g.address += dr_u16(r);
        g.op_index = 0;
        break;
      case DW_LNS_set_basic_block:
      case DW_LNS_set_prologue_end:
      case DW_LNS_set_epilogue_begin: break; /* flags we do not report */
      case DW_LNS_set_isa: dr_uleb(r); break;
      default:
        /* Unknown standard opcode: skip the operand count the header declares. */
        for (unsigned i = 0; i < h->std_lengths[opcode - 1]; i++) dr_uleb(r);
    }
  }
  /* A trailing sequence without end_sequence is dropped, as LLVM does. */
  c->nrows = first;
}

/* ---- file paths ---- */

/* The non-empty parts llvm::sys::path::append joins for a file entry. */
static unsigned path_parts(uint16_t version, const char *const *dirs, size_t ndirs, const char *name, uint64_t dir,
                           const char *comp_dir, const char *parts[3]) {
  if (name[0] == '/') {
    parts[0] = name;
    return 1;
  }
  const char *inc = NULL;
  if (version >= 5) {
    if (dir < ndirs) inc = dirs[dir];
  } else if (dir > 0 && dir <= ndirs) {
    inc = dirs[dir - 1];
  }
  if (!inc) inc = "";
  /* v5 directory 0 already is the compilation directory. */
  int with_comp_dir = (version < 5 || dir != 0) && comp_dir[0] && inc[0] != '/';
  unsigned n = 0;
  if (with_comp_dir) parts[n++] = comp_dir;
  if (inc[0]) parts[n++] = inc;
  if (name[0]) parts[n++] = name;
  return n;
}

/* llvm::sys::path::append (POSIX): '/' only where the path does not already
 * end in one, no normalisation. LLVM also strips a part's leading '/', but no
 * part after the first starts with one: an absolute name stands alone and an
 * absolute directory drops the comp dir. Writes when buf is not NULL. */
static size_t join(const char *const parts[3], unsigned n, char *buf) {
  size_t len = 0;
  char last = 0; /* the path's last character so far (parts are never empty) */
  for (unsigned i = 0; i < n; i++) {
    size_t l = strlen(parts[i]);
    if (len > 0 && last != '/') {
      if (buf) buf[len] = '/';
      len++;
    }
    if (buf) memcpy(buf + len, parts[i], l);
    len += l;
    last = parts[i][l - 1];
  }
  return len;
}

size_t llgi_dline_path(uint16_t version, const char *const *dirs, uint32_t ndirs, const char *name, uint64_t dir_index,
                       const char *comp_dir, char *buf, size_t cap) {
  const char *parts[3];
  unsigned n = path_parts(version, dirs, ndirs, name, dir_index, comp_dir, parts);
  size_t len = join(parts, n, NULL);
  if (buf && cap > len) {
    join(parts, n, buf);
    buf[len] = 0;
  }
  return len;
}

/* Whether the path is one string of the sections as it stands (the caller's
 * comp_dir is not: it may not outlive the table). */
static int in_place(const char *const parts[3], unsigned n, const char *comp_dir) { return n == 0 || (n == 1 && parts[0] != comp_dir); }

/* Each file index's path: section strings where nothing is joined, the joined
 * ones in one block. v2-4 indexes are 1-based: index 0 never names a file. */
static void resolve_files(lctx *c, uint16_t version, const char *comp_dir) {
  size_t base = version < 5 ? 1 : 0, n = base + c->nfiles, bytes = 0;
  const char *parts[3];
  for (size_t i = 0; i < c->nfiles; i++) {
    const char *name = c->files[i].name;
    if (!name) continue;
    unsigned k = path_parts(version, c->dirs, c->ndirs, name, c->files[i].dir, comp_dir, parts);
    if (!in_place(parts, k, comp_dir)) bytes += join(parts, k, NULL) + 1;
  }
  /* Never malloc(0): a table that was read has non-NULL files and priv. */
  c->paths = malloc((n ? n : 1) * sizeof *c->paths);
  c->joined = malloc(bytes ? bytes : 1);
  if (!c->paths || !c->joined) dfail_oom(&c->fail);
  char *at = c->joined;
  if (base) c->paths[0] = NULL;
  for (size_t i = 0; i < c->nfiles; i++) {
    const char *name = c->files[i].name;
    const char **p = &c->paths[base + i];
    if (!name) {
      *p = NULL;
      continue;
    }
    unsigned k = path_parts(version, c->dirs, c->ndirs, name, c->files[i].dir, comp_dir, parts);
    if (in_place(parts, k, comp_dir)) {
      *p = k ? parts[0] : name;
    } else {
      size_t len = join(parts, k, at);
      at[len] = 0;
      *p = at;
      at += len + 1;
    }
  }
}

/* ---- the reader ---- */

static void ctx_free(lctx *c) {
  free(c->dirs);
  free(c->files);
  free(c->rows);
  free(c->seqs);
  free(c->paths);
  free(c->joined);
}

/* Parses into c; longjmps out on the first problem. */
static void parse(lctx *c, uint64_t offset, const char *comp_dir, llgi_dline_table *out) {
  const llgi_dbytes *line = &c->s->line;
  if (!line->p)
    dfail_raise(&c->fail, ".debug_line: section missing (line table at 0x%llx requested)", (unsigned long long)offset);
  dreader r = dr_make(line->p, line->n, ".debug_line", &c->fail);
  if (offset > line->n)
    dr_fail(&r, (size_t)(offset > SIZE_MAX ? SIZE_MAX : offset), "truncated (4 bytes needed, -%llu left)",
            (unsigned long long)(offset - line->n));
  r.pos = (size_t)offset;
  uint64_t length = dr_initial_length(&r, &c->dwarf64);
  if (length > dr_left(&r)) dr_fail(&r, (size_t)offset, "unit length 0x%llx runs past the end of the section", (unsigned long long)length);
  /* The program must stop at its own unit's end, never read the next unit. */
  r.end = r.pos + (size_t)length;

  lheader h = read_header(c, &r);
  run_program(c, &r, &h);
  resolve_files(c, h.version, comp_dir);

  out->offset = offset;
  out->version = h.version;
  out->files = c->paths;
  out->nfiles = (uint32_t)((h.version < 5 ? 1 : 0) + c->nfiles);
  out->seqs = c->seqs;
  out->nseqs = (uint32_t)c->nseqs;
  out->rows = c->rows;
  out->nrows = (uint32_t)c->nrows;
  out->priv = c->joined;
}

/* setjmp lives here, apart from the locals of llgi_dline_read, so nothing it
 * reads after a longjmp was changed since (C11 7.13.2.1). */
static int guarded(lctx *c, uint64_t offset, const char *comp_dir, llgi_dline_table *out) {
  jmp_buf jb;
  c->fail.jb = &jb;
  if (setjmp(jb)) return dfail_code(&c->fail);
  parse(c, offset, comp_dir, out);
  return 0;
}

int llgi_dline_read(const llgi_dsections *s, uint64_t offset, const char *comp_dir, llgi_dline_table *out, llgi_derr *err) {
  lctx c;
  memset(&c, 0, sizeof c);
  memset(out, 0, sizeof *out);
  c.fail.err = err;
  c.s = s;
  int rc = guarded(&c, offset, comp_dir, out);
  if (rc != 0) {
    ctx_free(&c);
    memset(out, 0, sizeof *out);
    return rc;
  }
  /* The rows, sequences and paths now belong to the table. */
  free(c.dirs);
  free(c.files);
  return 0;
}

void llgi_dline_free(llgi_dline_table *t) {
  free(t->files);
  free(t->seqs);
  free(t->rows);
  free(t->priv);
  memset(t, 0, sizeof *t);
}
