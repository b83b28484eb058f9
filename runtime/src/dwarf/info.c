/*
 * info.c: .debug_info (llgi_dinfo_read, llgi_dwarf.h): the compile units of
 * an object and, in each, the tree of subprograms and inlined subroutines
 * with their address ranges, call sites, declarations and names. This is
 * what the table builder needs for the ftab and the inline tree; every other
 * DIE (types, variables, lexical blocks, call sites) is skipped by form size,
 * but walked through, so a subroutine nested under such a DIE still hangs
 * under its nearest subroutine ancestor.
 *
 * Names follow llvm-symbolizer's default (--functions=linkage) rule so the
 * tables built from this agree with the oracle the tests use: the linkage
 * name if one is found, else the plain name, each looked up on the DIE and
 * then through DW_AT_specification / DW_AT_abstract_origin (LLVM's
 * DWARFDie::findRecursively, including its search order).
 */
#include <stdio.h>
#include <stdlib.h>

#include "abbrev.h"
#include "dgrow.h"
#include "dreader.h"
#include "ranges.h"

enum { TAG_INLINED_SUBROUTINE = 0x1d, TAG_SUBPROGRAM = 0x2e };

enum { UT_COMPILE = 1, UT_TYPE = 2, UT_PARTIAL = 3, UT_SKELETON = 4, UT_SPLIT_COMPILE = 5, UT_SPLIT_TYPE = 6 };

/* Bounds that turn hostile input into a refusal instead of a runaway walk or
 * search; real DWARF stays far below both. */
#define MAX_DEPTH 4096
#define MAX_REF_CHAIN 64

/* The attributes this reader decodes, each with a slot in dattr_values. Any
 * other attribute is skipped by form size. */
enum {
  S_LOW_PC = 1,
  S_HIGH_PC,
  S_RANGES,
  S_NAME,
  S_LINKAGE_NAME,
  S_MIPS_LINKAGE_NAME,
  S_ABSTRACT_ORIGIN,
  S_SPECIFICATION,
  S_DECL_FILE,
  S_DECL_LINE,
  S_CALL_FILE,
  S_CALL_LINE,
  S_CALL_COLUMN,
  S_PRODUCER,
  S_COMP_DIR,
  S_LANGUAGE,
  S_STMT_LIST,
  S_STR_OFFSETS_BASE,
  S_ADDR_BASE,
  S_RNGLISTS_BASE,
  S_TRAMPOLINE,
};

/* DW_AT_* code -> slot, for the codes that have one (all below 0x2200). */
static const uint8_t SLOT_OF[0x2134] = {
  [0x11] = S_LOW_PC,
  [0x12] = S_HIGH_PC,
  [0x55] = S_RANGES,
  [0x03] = S_NAME,
  [0x6e] = S_LINKAGE_NAME,
  [0x2007] = S_MIPS_LINKAGE_NAME,
  [0x31] = S_ABSTRACT_ORIGIN,
  [0x47] = S_SPECIFICATION,
  [0x3a] = S_DECL_FILE,
  [0x3b] = S_DECL_LINE,
  [0x58] = S_CALL_FILE,
  [0x59] = S_CALL_LINE,
  [0x57] = S_CALL_COLUMN,
  [0x25] = S_PRODUCER,
  [0x1b] = S_COMP_DIR,
  [0x13] = S_LANGUAGE,
  [0x10] = S_STMT_LIST,
  [0x72] = S_STR_OFFSETS_BASE,
  [0x73] = S_ADDR_BASE,
  [0x2133] = S_ADDR_BASE, /* DW_AT_GNU_addr_base (pre-v5 split DWARF) */
  [0x74] = S_RNGLISTS_BASE,
  [0x56] = S_TRAMPOLINE,
};

/* A string attribute that is present but cannot be resolved here (a dwz
 * supplementary file's string, a non-string form): not NULL (absent). */
static const char UNRESOLVED[1];
static const char EMPTY[1];

/* One unit of .debug_info with the state its forms resolve against. */
typedef struct iunit {
  uint64_t offset, end, die_start, abbrev_offset;
  uint64_t str_offsets_base;
  drange_unit ru; /* version, addr_size, dwarf64, low_pc, addr_base, rnglists_base */
  dunit_enc enc;
  uint8_t unit_type;
  uint32_t table; /* index + 1 into the table cache, 0 until needed */
  uint32_t listed; /* index in the result's units, LLGI_DNONE for type and split units */
} iunit;

/* What the recursive name/declaration lookup needs from one DIE. */
typedef struct iref {
  const char *name, *linkage; /* NULL absent, UNRESOLVED, or the string */
  uint64_t decl_file, decl_line;
  uint64_t origin, spec; /* absolute .debug_info offsets, DREF_NONE when none can be followed */
  uint32_t unit;         /* index in ctx.units */
  uint8_t has;           /* LLGI_DHAS_DECL_FILE, LLGI_DHAS_DECL_LINE */
} iref;

typedef struct itable {
  uint64_t offset;
  int ok; /* parsed; a table that failed to parse stays in the cache, refused */
  dabbrev_table t;
} itable;

/* An open-addressing map from .debug_info/.debug_abbrev offsets to indexes. */
typedef struct omap_slot {
  uint64_t key;
  int32_t val; /* OMAP_EMPTY: free slot */
} omap_slot;

typedef struct omap {
  omap_slot *slot;
  uint32_t cap, used;
} omap;

#define OMAP_EMPTY (-2)

typedef struct ictx {
  const llgi_dsections *s;
  dfail fail;
  llgi_dinfo *out;
  uint32_t capunits, capsubs;
  drange_vec ranges;
  dattr_values v;
  /* Every unit with a known DIE area, in section order (for references by offset). */
  iunit *units;
  uint32_t nunits, capiunits;
  /* Parallel to out->subs: what each subroutine's name lookup needs. */
  iref *refs;
  uint32_t caprefs;
  /* Referenced DIEs that are not subroutines, read on demand; other_at maps
   * their offsets to an index in `others`, or -1 (no readable DIE there). */
  iref *others;
  uint32_t nothers, capothers;
  omap other_at;
  /* Abbreviation tables, each parsed once; table_at maps offsets to them. */
  itable *tables;
  uint32_t ntables, captables;
  omap table_at;
  /* Where a string section's last NUL is: offsets at or below it are terminated. */
  int64_t str_last_nul, line_str_last_nul;
  /* The walk's open DIEs with children: the subroutine each is (LLGI_DNONE for
   * any other DIE), and the nearest subroutine at or above it. */
  uint32_t *owner, *near;
  /* llgi_dinfo_read_units: the unit DIEs only, no walk below them. */
  int units_only;
} ictx;

/* ---- strings ---- */

static int64_t last_nul(const llgi_dbytes *sec) {
  for (size_t i = sec->n; i-- > 0;)
    if (sec->p[i] == 0) return (int64_t)i;
  return -1;
}

/* The NUL-terminated string at `off`: the messages of dstring_at, without
 * its scan (a string starting at or before the section's last NUL ends). */
static const char *string_at(ictx *c, const llgi_dbytes *sec, int64_t last, uint64_t off, const char *section) {
  if (!sec->p || off >= sec->n) dfail_raise(&c->fail, "%s: string offset 0x%llx out of range", section, (unsigned long long)off);
  if ((int64_t)off > last) dfail_raise(&c->fail, "%s: unterminated string at 0x%llx", section, (unsigned long long)off);
  return (const char *)sec->p + off;
}

static const char *strp(ictx *c, uint64_t off) { return string_at(c, &c->s->str, c->str_last_nul, off, ".debug_str"); }

static uint64_t str_offset(ictx *c, const iunit *u, uint64_t index) {
  uint64_t at = dindex_offset(u->str_offsets_base, index, u->enc.dwarf64 ? 8 : 4);
  dreader r = dreader_at(&c->s->str_offsets, ".debug_str_offsets", at, &c->fail);
  return dr_offset(&r, u->enc.dwarf64);
}

/* A string attribute: NULL when absent, UNRESOLVED when present but not resolvable here. */
static const char *attr_string(ictx *c, unsigned slot, const iunit *u) {
  const dattr_values *v = &c->v;
  uint64_t x = v->value[slot];
  switch (dattr_form(v, slot)) {
    case 0:
      return NULL;
    case DW_FORM_string:
      return v->str[slot];
    case DW_FORM_strp:
      return strp(c, x);
    case DW_FORM_line_strp:
      return string_at(c, &c->s->line_str, c->line_str_last_nul, x, ".debug_line_str");
    case DW_FORM_strx: case DW_FORM_strx1: case DW_FORM_strx2: case DW_FORM_strx3: case DW_FORM_strx4:
    case DW_FORM_GNU_str_index:
      return strp(c, str_offset(c, u, x));
    default:
      return UNRESOLVED;
  }
}

static const char *resolved(const char *s) { return s == UNRESOLVED ? NULL : s; }

/* ---- attribute values ---- */

/* An address-class value (DW_FORM_addr, addrx*). */
static int attr_address(ictx *c, unsigned slot, const iunit *u, uint64_t *out) {
  uint64_t x = c->v.value[slot];
  switch (dattr_form(&c->v, slot)) {
    case DW_FORM_addr:
      *out = x;
      return 1;
    case DW_FORM_addrx: case DW_FORM_addrx1: case DW_FORM_addrx2: case DW_FORM_addrx3: case DW_FORM_addrx4:
    case DW_FORM_GNU_addr_index:
      *out = dranges_addr(c->s, &u->ru, x, &c->fail);
      return 1;
    default:
      return 0;
  }
}

/* The DIE's ranges appended to c->ranges: low_pc with high_pc (an address,
 * or from DWARF 4 a length), else DW_AT_ranges. */
static void die_ranges(ictx *c, const iunit *u, uint32_t *start, uint32_t *count) {
  *start = c->ranges.n;
  uint64_t low, high, length;
  unsigned size = u->ru.addr_size;
  if (attr_address(c, S_LOW_PC, u, &low)) {
    int has_length = dattr_constant(&c->v, S_HIGH_PC, &length);
    int has_high = attr_address(c, S_HIGH_PC, u, &high);
    if (!has_high && has_length) {
      high = low + length < low ? UINT64_MAX : low + length;
      has_high = 1;
    }
    if (has_high) {
      drange_push(&c->ranges, low, high, size, &c->fail);
      *count = c->ranges.n - *start;
      return;
    }
  }
  uint64_t x;
  if (dattr_form(&c->v, S_RANGES) == DW_FORM_rnglistx) dranges_list_by_index(c->s, &u->ru, c->v.value[S_RANGES], &c->ranges, &c->fail);
  else if (dattr_section_offset(&c->v, S_RANGES, &x)) dranges_list(c->s, &u->ru, x, &c->ranges, &c->fail);
  *count = c->ranges.n - *start;
}

/* Captures what the recursive lookups read from the DIE just read. */
static iref die_ref(ictx *c, uint32_t unit) {
  const iunit *u = &c->units[unit];
  iref d = {.unit = unit};
  d.name = attr_string(c, S_NAME, u);
  // LLVM asks for DW_AT_MIPS_linkage_name before DW_AT_linkage_name.
  d.linkage = attr_string(c, S_MIPS_LINKAGE_NAME, u);
  if (!d.linkage) d.linkage = attr_string(c, S_LINKAGE_NAME, u);
  if (dattr_constant(&c->v, S_DECL_FILE, &d.decl_file)) d.has |= LLGI_DHAS_DECL_FILE;
  if (dattr_constant(&c->v, S_DECL_LINE, &d.decl_line)) d.has |= LLGI_DHAS_DECL_LINE;
  d.origin = dattr_has(&c->v, S_ABSTRACT_ORIGIN) ? dattr_reference(&c->v, S_ABSTRACT_ORIGIN, u->offset, u->end) : DREF_NONE;
  d.spec = dattr_has(&c->v, S_SPECIFICATION) ? dattr_reference(&c->v, S_SPECIFICATION, u->offset, u->end) : DREF_NONE;
  return d;
}

/* ---- offset maps ---- */

static omap_slot *omap_find(const omap *m, uint64_t key) {
  uint32_t mask = m->cap - 1;
  for (uint32_t i = (uint32_t)((key * 0x9e3779b97f4a7c15u) >> 40) & mask;; i = (i + 1) & mask)
    if (m->slot[i].val == OMAP_EMPTY || m->slot[i].key == key) return &m->slot[i];
}

/* The slot of `key`: its value, or OMAP_EMPTY for the caller to fill (counted as used). */
static omap_slot *omap_at(ictx *c, omap *m, uint64_t key) {
  if (4 * ((uint64_t)m->used + 1) > 3 * (uint64_t)m->cap) {
    uint64_t cap = m->cap ? 2 * (uint64_t)m->cap : 64;
    if (cap > UINT32_MAX || cap > SIZE_MAX / sizeof(omap_slot)) dfail_oom(&c->fail);
    omap_slot *h = malloc((size_t)cap * sizeof *h);
    if (!h) dfail_oom(&c->fail);
    for (uint64_t i = 0; i < cap; i++) h[i].val = OMAP_EMPTY;
    omap old = *m;
    m->slot = h;
    m->cap = (uint32_t)cap;
    for (uint32_t i = 0; i < old.cap; i++)
      if (old.slot[i].val != OMAP_EMPTY) *omap_find(m, old.slot[i].key) = old.slot[i];
    free(old.slot);
  }
  omap_slot *s = omap_find(m, key);
  if (s->val == OMAP_EMPTY) {
    s->key = key;
    m->used++;
  }
  return s;
}

/* ---- abbreviation tables ---- */

static dabbrev_table *unit_table(ictx *c, iunit *u) {
  if (u->table) {
    itable *t = &c->tables[u->table - 1];
    if (!t->ok) dfail_raise(&c->fail, ".debug_abbrev: the table at offset 0x%llx could not be read", (unsigned long long)t->offset);
    return &t->t;
  }
  if (!c->s->abbrev.p) {
    dfail_raise(&c->fail, ".debug_abbrev: section missing, needed by the unit at .debug_info offset 0x%llx", (unsigned long long)u->offset);
  }
  omap_slot *known = omap_at(c, &c->table_at, u->abbrev_offset);
  if (known->val != OMAP_EMPTY) {
    u->table = (uint32_t)known->val + 1;
    return unit_table(c, u);
  }
  DGROW(&c->fail, c->tables, c->ntables, c->captables);
  known->val = (int32_t)c->ntables;
  itable *t = &c->tables[c->ntables++];
  *t = (itable){.offset = u->abbrev_offset};
  u->table = c->ntables;
  dabbrev_parse(&t->t, &c->s->abbrev, u->abbrev_offset, SLOT_OF, sizeof SLOT_OF, &c->fail);
  t->ok = 1;
  return &t->t;
}

static const dabbrev *abbrev_of(dreader *r, const dabbrev_table *t, uint64_t code, size_t die_offset) {
  const dabbrev *a = dabbrev_get(t, code);
  if (!a) dr_fail(r, die_offset, "abbreviation code %llu not found", (unsigned long long)code);
  return a;
}

static inline uint64_t read_code(dreader *r) {
  if (r->pos < r->end && r->buf[r->pos] < 0x80) return r->buf[r->pos++];
  return dr_uleb(r);
}

/* ---- the DIE walk ---- */

static uint32_t narrow(ictx *c, uint64_t x, const char *what, uint64_t die) {
  if (x > UINT32_MAX) dfail_raise(&c->fail, ".debug_info: %s 0x%llx above 2^32 in the DIE at offset 0x%llx", what, (unsigned long long)x, (unsigned long long)die);
  return (uint32_t)x;
}

static void subroutine(ictx *c, dreader *r, const dabbrev_table *t, const dabbrev *a, uint32_t unit, size_t die_offset, uint32_t parent) {
  iunit *u = &c->units[unit];
  dattrs_read(&c->v, r, t, a, &u->enc);
  llgi_dinfo *o = c->out;
  DGROW(&c->fail, o->subs, o->nsubs, c->capsubs);
  DGROW(&c->fail, c->refs, o->nsubs, c->caprefs);
  llgi_dsub *s = &o->subs[o->nsubs];
  *s = (llgi_dsub){.die_offset = die_offset, .parent = parent, .end = o->nsubs + 1};
  die_ranges(c, u, &s->range_start, &s->range_count);
  if (a->tag == TAG_INLINED_SUBROUTINE) {
    uint64_t x;
    s->tag = LLGI_DSUB_INLINED;
    if (dattr_constant(&c->v, S_CALL_FILE, &x)) s->call_file = narrow(c, x, "call_file", die_offset), s->has |= LLGI_DHAS_CALL_FILE;
    if (dattr_constant(&c->v, S_CALL_LINE, &x)) s->call_line = narrow(c, x, "call_line", die_offset), s->has |= LLGI_DHAS_CALL_LINE;
    if (dattr_constant(&c->v, S_CALL_COLUMN, &x)) s->call_column = narrow(c, x, "call_column", die_offset), s->has |= LLGI_DHAS_CALL_COLUMN;
  }
  s->trampoline = (uint8_t)dattr_flag(&c->v, S_TRAMPOLINE);
  c->refs[o->nsubs] = die_ref(c, unit);
  o->nsubs++;
}

/* Reads the DIEs below the unit DIE (`r` is positioned after it). */
static void walk(ictx *c, dreader *r, uint32_t unit) {
  iunit *u = &c->units[unit];
  const dabbrev_table *t = unit_table(c, u);
  const dunit_enc enc = u->enc;
  uint32_t *owner = c->owner, *near = c->near;
  uint32_t depth = 1;
  owner[0] = near[0] = LLGI_DNONE;
  // Stop when the unit DIE's children end; a unit that ends without its
  // closing null entries is accepted, as LLVM does.
  while (depth > 0 && r->pos < r->end) {
    size_t die_offset = r->pos;
    uint64_t code = read_code(r);
    if (code == 0) {
      uint32_t s = owner[--depth];
      if (s != LLGI_DNONE) c->out->subs[s].end = c->out->nsubs;
      continue;
    }
    const dabbrev *a = abbrev_of(r, t, code, die_offset);
    uint32_t sub = LLGI_DNONE;
    if (a->tag == TAG_SUBPROGRAM || a->tag == TAG_INLINED_SUBROUTINE) {
      sub = c->out->nsubs;
      subroutine(c, r, t, a, unit, die_offset, near[depth - 1]);
    } else {
      dabbrev_skip(r, t, a, &enc);
    }
    if (a->has_children) {
      if (depth >= MAX_DEPTH) dr_fail(r, die_offset, "DIEs nested deeper than %d", MAX_DEPTH);
      owner[depth] = sub;
      near[depth] = sub != LLGI_DNONE ? sub : near[depth - 1];
      depth++;
    }
  }
  while (depth > 0) {
    uint32_t s = owner[--depth];
    if (s != LLGI_DNONE) c->out->subs[s].end = c->out->nsubs;
  }
}

static void compile_unit(ictx *c, dreader *r, uint32_t unit) {
  iunit *u = &c->units[unit];
  llgi_dinfo *o = c->out;
  DGROW(&c->fail, o->units, o->nunits, c->capunits);
  u->listed = o->nunits;
  llgi_dunit *cu = &o->units[o->nunits++];
  *cu = (llgi_dunit){
    .offset = u->offset, .version = u->enc.version, .unit_type = u->unit_type, .addr_size = u->enc.addr_size,
    .dwarf64 = u->enc.dwarf64, .comp_dir = EMPTY, .range_start = c->ranges.n, .sub_start = o->nsubs,
  };
  if (dr_left(r) == 0) return;
  size_t die_offset = r->pos;
  uint64_t code = dr_uleb(r);
  if (code == 0) return;
  const dabbrev_table *t = unit_table(c, u);
  const dabbrev *a = abbrev_of(r, t, code, die_offset);
  dattrs_read(&c->v, r, t, a, &u->enc);
  // Unit-wide bases first: attributes of this very DIE may need them (strx, addrx, rnglistx).
  dattr_section_offset(&c->v, S_STR_OFFSETS_BASE, &u->str_offsets_base);
  dattr_section_offset(&c->v, S_ADDR_BASE, &u->ru.addr_base);
  dattr_section_offset(&c->v, S_RNGLISTS_BASE, &u->ru.rnglists_base);
  if (!attr_address(c, S_LOW_PC, u, &u->ru.low_pc)) u->ru.low_pc = 0;
  cu->low_pc = u->ru.low_pc;
  die_ranges(c, u, &cu->range_start, &cu->range_count);
  const char *dir = resolved(attr_string(c, S_COMP_DIR, u));
  if (dir) cu->comp_dir = dir;
  cu->name = resolved(attr_string(c, S_NAME, u));
  cu->producer = resolved(attr_string(c, S_PRODUCER, u));
  cu->has_language = (uint8_t)dattr_constant(&c->v, S_LANGUAGE, &cu->language);
  cu->has_stmt_list = (uint8_t)dattr_section_offset(&c->v, S_STMT_LIST, &cu->stmt_list);
  // A skeleton's DIE tree lives in its .dwo file.
  if (a->has_children && u->unit_type != UT_SKELETON && !c->units_only) walk(c, r, unit);
  cu = &o->units[u->listed];
  cu->sub_count = o->nsubs - cu->sub_start;
}

static void read_unit(ictx *c, dreader *r) {
  size_t start = r->pos;
  int dwarf64;
  uint64_t length = dr_initial_length(r, &dwarf64);
  if (length > dr_left(r)) dr_fail(r, start, "unit length 0x%llx past section end", (unsigned long long)length);
  dreader h = dr_sub(r, r->pos, r->pos + (size_t)length);
  r->pos += (size_t)length;
  uint16_t version = dr_u16(&h);
  if (version < 2 || version > 5) dr_fail(&h, start, "unsupported DWARF version %u", version);
  uint8_t unit_type = UT_COMPILE, addr_size;
  uint64_t abbrev_offset;
  if (version >= 5) {
    unit_type = dr_u8(&h);
    addr_size = dr_u8(&h);
    abbrev_offset = dr_offset(&h, dwarf64);
    if (unit_type == UT_SKELETON || unit_type == UT_SPLIT_COMPILE) dr_skip(&h, 8); // dwo_id
    else if (unit_type == UT_TYPE || unit_type == UT_SPLIT_TYPE) dr_skip(&h, 8 + (dwarf64 ? 8 : 4)); // signature, type_offset
    else if (unit_type != UT_COMPILE && unit_type != UT_PARTIAL) return; // unknown header layout: skip the unit
  } else {
    abbrev_offset = dr_offset(&h, dwarf64);
    addr_size = dr_u8(&h);
  }
  if (addr_size != 1 && addr_size != 2 && addr_size != 4 && addr_size != 8) dr_fail(&h, start, "bad address size %u", addr_size);
  DGROW(&c->fail, c->units, c->nunits, c->capiunits);
  uint32_t unit = c->nunits++;
  iunit *u = &c->units[unit];
  // DWARF 5 bases default to just past the header of a section holding a
  // single contribution (.debug_str_offsets/.debug_addr: 8 or 16 bytes,
  // .debug_rnglists: 12 or 20); pre-5 GNU split DWARF has no headers.
  int v5 = version >= 5;
  *u = (iunit){
    .offset = start, .end = h.end, .die_start = h.pos, .abbrev_offset = abbrev_offset,
    .str_offsets_base = v5 ? (dwarf64 ? 16 : 8) : 0,
    .ru = {.version = version, .addr_size = addr_size, .dwarf64 = (uint8_t)dwarf64, .addr_base = v5 ? (dwarf64 ? 16 : 8) : 0,
           .rnglists_base = v5 ? (dwarf64 ? 20 : 12) : 0},
    .enc = {version, addr_size, (uint8_t)dwarf64}, .unit_type = unit_type, .listed = LLGI_DNONE,
  };
  // Type units and split (.dwo) units hold no code of this object; their DIEs
  // are only read if something refers into them.
  if (unit_type != UT_COMPILE && unit_type != UT_PARTIAL && unit_type != UT_SKELETON) return;
  compile_unit(c, &h, unit);
}

/* ---- references ---- */

static uint32_t unit_at(const ictx *c, uint64_t off) {
  uint32_t lo = 0, hi = c->nunits;
  while (lo < hi) {
    uint32_t mid = lo + (hi - lo) / 2;
    if (c->units[mid].end <= off) lo = mid + 1;
    else hi = mid;
  }
  return lo < c->nunits && c->units[lo].offset <= off ? lo : LLGI_DNONE;
}

/* Reads the DIE at `off` of unit `unit` for a lookup: index in `others`, -1
 * when no DIE can be read there (corrupt bytes: a lookup through a
 * reference never fails the whole read). */
static int32_t read_other_in(ictx *c, uint32_t unit, uint64_t off) {
  jmp_buf jb, *outer = c->fail.jb;
  c->fail.jb = &jb;
  if (setjmp(jb)) {
    c->fail.jb = outer;
    if (dfail_code(&c->fail) == -2) dfail_oom(&c->fail);
    return -1;
  }
  iunit *u = &c->units[unit];
  dreader r = dr_make(c->s->info.p, (size_t)u->end, ".debug_info", &c->fail);
  r.pos = (size_t)off;
  uint64_t code = dr_uleb(&r);
  const dabbrev_table *t = code == 0 ? NULL : unit_table(c, u);
  const dabbrev *a = t ? dabbrev_get(t, code) : NULL;
  if (!a) {
    c->fail.jb = outer;
    return -1;
  }
  dattrs_read(&c->v, &r, t, a, &u->enc);
  iref d = die_ref(c, unit);
  c->fail.jb = outer;
  DGROW(&c->fail, c->others, c->nothers, c->capothers);
  c->others[c->nothers] = d;
  return (int32_t)c->nothers++;
}

/* The DIE at `off` for a lookup, -1 when there is none (a dangling reference). */
static int32_t read_other(ictx *c, uint64_t off) {
  uint32_t unit = unit_at(c, off);
  if (unit == LLGI_DNONE || off < c->units[unit].die_start) return -1;
  return read_other_in(c, unit, off);
}

/* A lookup target: a subroutine's index, or OTHER | index in `others`; NOREF when none. */
#define OTHER 0x80000000u
#define NOREF 0xffffffffu

static uint32_t die_at(ictx *c, uint64_t off) {
  if (off == DREF_NONE) return NOREF;
  const llgi_dsub *subs = c->out->subs;
  uint32_t lo = 0, hi = c->out->nsubs;
  while (lo < hi) {
    uint32_t mid = lo + (hi - lo) / 2;
    if (subs[mid].die_offset < off) lo = mid + 1;
    else hi = mid;
  }
  if (lo < c->out->nsubs && subs[lo].die_offset == off) return lo;
  omap_slot *slot = omap_at(c, &c->other_at, off);
  if (slot->val == OMAP_EMPTY) {
    // Reading may grow table_at, never other_at: the slot stays where it is.
    slot->val = -1;
    slot->val = read_other(c, off);
  }
  return slot->val < 0 ? NOREF : OTHER | (uint32_t)slot->val;
}

static const iref *ref_of(const ictx *c, uint32_t id) { return id & OTHER ? &c->others[id & ~OTHER] : &c->refs[id]; }

/*
 * Names and declaration of subroutine i, each from the first DIE that has
 * the attribute in LLVM's DWARFDie::findRecursively order: the DIE itself,
 * then depth first through DW_AT_specification before DW_AT_abstract_origin.
 * That order does not depend on the attribute, so one walk serves all four
 * lookups. Each DIE is visited once, so cycles end the walk.
 */
static void resolve(ictx *c, uint32_t i) {
  uint32_t seen[MAX_REF_CHAIN], work[MAX_REF_CHAIN + 1];
  uint32_t nseen = 1, nwork = 1;
  seen[0] = work[0] = i;
  // Targets are indices, not pointers: reading another DIE may move `others`.
  uint32_t linkage_id = NOREF, name_id = NOREF, file_id = NOREF, line_id = NOREF;
  for (;;) {
    const iref *l = linkage_id == NOREF ? NULL : ref_of(c, linkage_id);
    int linkage_done = l && l->linkage != UNRESOLVED && l->linkage[0] != 0;
    if (nwork == 0 || (linkage_done && file_id != NOREF && line_id != NOREF)) break;
    uint32_t id = work[--nwork];
    const iref *d = ref_of(c, id);
    if (linkage_id == NOREF && d->linkage) linkage_id = id;
    if (name_id == NOREF && d->name) name_id = id;
    if (file_id == NOREF && (d->has & LLGI_DHAS_DECL_FILE)) file_id = id;
    if (line_id == NOREF && (d->has & LLGI_DHAS_DECL_LINE)) line_id = id;
    // Origin pushed first, so the specification is searched first.
    uint64_t targets[2] = {d->origin, d->spec};
    for (int k = 0; k < 2; k++) {
      uint32_t t = die_at(c, targets[k]);
      if (t == NOREF) continue;
      int known = 0;
      for (uint32_t s = 0; s < nseen && !known; s++) known = seen[s] == t;
      if (known) continue;
      if (nseen >= MAX_REF_CHAIN) {
        dfail_raise(&c->fail, ".debug_info: more than %d DIEs reached through abstract_origin/specification from the DIE at offset 0x%llx",
                    MAX_REF_CHAIN, (unsigned long long)c->out->subs[i].die_offset);
      }
      seen[nseen++] = t;
      work[nwork++] = t;
    }
  }
  llgi_dsub *s = &c->out->subs[i];
  const iref *start = &c->refs[i];
  // A linkage name that is present but unresolvable falls back to the plain name, as in LLVM.
  const char *n = linkage_id == NOREF ? NULL : resolved(ref_of(c, linkage_id)->linkage);
  if (!n && name_id != NOREF) n = resolved(ref_of(c, name_id)->name);
  s->name = n;
  const iunit *own = &c->units[start->unit];
  s->decl_file_unit = own->listed;
  s->decl_unit_offset = own->offset;
  if (file_id != NOREF) {
    const iref *f = ref_of(c, file_id);
    s->decl_file = narrow(c, f->decl_file, "decl_file", s->die_offset);
    s->has |= LLGI_DHAS_DECL_FILE;
    s->decl_file_unit = c->units[f->unit].listed;
    s->decl_unit_offset = c->units[f->unit].offset;
  }
  if (line_id != NOREF) {
    s->decl_line = narrow(c, ref_of(c, line_id)->decl_line, "decl_line", s->die_offset);
    s->has |= LLGI_DHAS_DECL_LINE;
  }
}

/* ---- entry points ---- */

static void ctx_free(ictx *c) {
  free(c->units);
  free(c->refs);
  free(c->others);
  free(c->other_at.slot);
  free(c->table_at.slot);
  for (uint32_t i = 0; i < c->ntables; i++) dabbrev_table_free(&c->tables[i].t);
  free(c->tables);
  free(c->owner);
  free(c->near);
  free(c);
}

void llgi_dinfo_free(llgi_dinfo *d) {
  free(d->units);
  free(d->subs);
  free(d->ranges);
  if (d->priv) ctx_free(d->priv);
  *d = (llgi_dinfo){0};
}

static int read_info(const llgi_dsections *s, llgi_dinfo *out, llgi_derr *err, int units_only) {
  *out = (llgi_dinfo){0};
  ictx *c = calloc(1, sizeof *c);
  if (!c) {
    snprintf(err->msg, sizeof err->msg, "out of memory");
    return -2;
  }
  out->priv = c;
  jmp_buf jb;
  c->units_only = units_only;
  c->s = s;
  c->out = out;
  c->fail = (dfail){err, &jb};
  if (setjmp(jb)) {
    int rc = dfail_code(&c->fail);
    out->ranges = c->ranges.v;
    llgi_dinfo_free(out);
    return rc;
  }
  c->owner = malloc(MAX_DEPTH * sizeof *c->owner);
  c->near = malloc(MAX_DEPTH * sizeof *c->near);
  if (!c->owner || !c->near) dfail_oom(&c->fail);
  c->str_last_nul = last_nul(&s->str);
  c->line_str_last_nul = last_nul(&s->line_str);
  if (s->info.p) {
    dreader r = dr_make(s->info.p, s->info.n, ".debug_info", &c->fail);
    while (dr_left(&r) > 0) read_unit(c, &r);
  }
  // Names are resolved once every unit is read: references may point forward.
  for (uint32_t i = 0; i < out->nsubs; i++) resolve(c, i);
  out->ranges = c->ranges.v;
  out->nranges = c->ranges.n;
  // The lookup state is no longer needed: only the result stays.
  ctx_free(c);
  out->priv = NULL;
  return 0;
}

int llgi_dinfo_read(const llgi_dsections *s, llgi_dinfo *out, llgi_derr *err) { return read_info(s, out, err, 0); }

int llgi_dinfo_read_units(const llgi_dsections *s, llgi_dinfo *out, llgi_derr *err) { return read_info(s, out, err, 1); }
