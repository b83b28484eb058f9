/*
 * abbrev.h: .debug_abbrev tables and the attribute forms of DWARF 2-5 (plus
 * the GNU split-DWARF and dwz forms): how many bytes each form occupies, how
 * to skip it, how to read it, and which class of value (address, constant,
 * string, reference, section offset) it yields. Which attributes matter and
 * what they mean is info.c's business: the caller numbers the attributes it
 * reads 1..n ("slots") and every other attribute is skipped by size.
 *
 * Speed matters more here than anywhere else in the DWARF readers: every DIE
 * of a 50 MB binary goes through dabbrev_skip, so each abbreviation knows the
 * byte size of its attributes whenever no form has a data-dependent size.
 *
 * Threads and signals: no shared state; tables allocate (malloc) while
 * parsed; not async-signal-safe. Failures longjmp through the reader's dfail.
 */
#ifndef LLGI_DABBREV_H
#define LLGI_DABBREV_H

#include <stdint.h>

#include "dforms.h"
#include "dreader.h"


/* Encoding facts of one unit that decide the size of some forms. */
typedef struct dunit_enc {
  uint16_t version;
  uint8_t addr_size;
  uint8_t dwarf64;
} dunit_enc;

static inline unsigned denc_offset_size(const dunit_enc *u) { return u->dwarf64 ? 8 : 4; }
/* DW_FORM_ref_addr: address-sized in DWARF 2, offset-sized from DWARF 3 on. */
static inline unsigned denc_ref_addr_size(const dunit_enc *u) { return u->version <= 2 ? u->addr_size : denc_offset_size(u); }

/* Size classes: >= 0 is a fixed byte count; the negative values depend on
 * the unit (address or offset size) or on the data itself. */
enum { DSZ_ADDR = -1, DSZ_OFFSET = -2, DSZ_REF_ADDR = -3, DSZ_VARIABLE = -4, DSZ_UNKNOWN = -5 };

typedef struct dattr_spec {
  uint64_t form;
  int64_t implicit_const; /* DW_FORM_implicit_const's value (0 for other forms) */
  uint8_t slot;           /* the caller's slot for the attribute, 0: skipped */
  uint8_t implicit_ok;    /* the constant fits in 49 bits (longer ones are never decoded) */
  int8_t size;            /* size class */
} dattr_spec;

typedef struct dabbrev {
  uint64_t code, tag;
  uint32_t first, count; /* attributes: the table's attrs[first, first + count) */
  /* When `fixed`, the attributes occupy bytes + addrs*addr_size +
   * offsets*offset_size + ref_addrs*ref_addr_size. */
  uint32_t bytes, addrs, offsets, ref_addrs;
  uint8_t has_children;
  uint8_t fixed;
} dabbrev;

typedef struct dabbrev_code {
  uint64_t code;
  uint32_t index;
} dabbrev_code;

typedef struct dabbrev_table {
  dabbrev *abbrevs;
  uint32_t n, cap;
  dattr_spec *attrs;
  uint32_t nattrs, capattrs;
  /* Codes below ndense: dense[code] (NULL when undeclared); others: sparse, sorted by code. */
  const dabbrev **dense;
  uint32_t ndense;
  dabbrev_code *sparse;
  uint32_t nsparse;
} dabbrev_table;

/*
 * Parses the table at `offset` of .debug_abbrev (sec must be present) into
 * *t (zeroed by the caller). slot_of[at] (at < nslot_of) is the slot of
 * attribute `at`, at most 31. On failure the partial table is in *t, for
 * dabbrev_table_free. A code declared twice: the later declaration wins.
 */
void dabbrev_parse(dabbrev_table *t, const llgi_dbytes *sec, uint64_t offset, const uint8_t *slot_of, size_t nslot_of, dfail *f);
void dabbrev_table_free(dabbrev_table *t);

const dabbrev *dabbrev_sparse_get(const dabbrev_table *t, uint64_t code);

static inline const dabbrev *dabbrev_get(const dabbrev_table *t, uint64_t code) {
  return code < t->ndense ? t->dense[code] : dabbrev_sparse_get(t, code);
}

/* Skips one attribute value of `form` (through DW_FORM_indirect). */
void dskip_form(dreader *r, uint64_t form, const dunit_enc *u);

/* Skips one attribute value, by its size class where that is known. */
static inline void dattr_skip(dreader *r, const dattr_spec *s, const dunit_enc *u) {
  switch (s->size) {
    case DSZ_ADDR: dr_skip(r, u->addr_size); return;
    case DSZ_OFFSET: dr_skip(r, denc_offset_size(u)); return;
    case DSZ_REF_ADDR: dr_skip(r, denc_ref_addr_size(u)); return;
    case DSZ_VARIABLE: case DSZ_UNKNOWN: dskip_form(r, s->form, u); return;
    default: dr_skip(r, (uint64_t)s->size);
  }
}

/* Skips the attributes of a DIE whose abbreviation code has been read. */
static inline void dabbrev_skip(dreader *r, const dabbrev_table *t, const dabbrev *a, const dunit_enc *u) {
  if (a->fixed) {
    dr_skip(r, a->bytes + (uint64_t)a->addrs * u->addr_size + (uint64_t)a->offsets * denc_offset_size(u) +
                   (uint64_t)a->ref_addrs * denc_ref_addr_size(u));
    return;
  }
  const dattr_spec *s = t->attrs + a->first;
  for (uint32_t i = 0; i < a->count; i++) dattr_skip(r, &s[i], u);
}

/* ---- the values of the slotted attributes of the DIE read last ---- */

#define DSLOTS_MAX 32

typedef struct dattr_values {
  uint32_t present;   /* bit per slot */
  uint32_t bad_const; /* implicit constants that are no valid unsigned value */
  uint32_t form[DSLOTS_MAX];
  uint64_t value[DSLOTS_MAX];
  const char *str[DSLOTS_MAX]; /* DW_FORM_string values, in place */
} dattr_values;

/*
 * Reads every attribute of the DIE (its code already read): the slotted ones
 * into *v as raw values (a number for every form except DW_FORM_string;
 * blocks, expressions, data16 and signatures are skipped and read as 0), the
 * others skipped.
 */
void dattrs_read(dattr_values *v, dreader *r, const dabbrev_table *t, const dabbrev *a, const dunit_enc *u);

static inline int dattr_has(const dattr_values *v, unsigned slot) { return (v->present >> slot) & 1; }
static inline uint32_t dattr_form(const dattr_values *v, unsigned slot) { return dattr_has(v, slot) ? v->form[slot] : 0; }

/* An unsigned constant; as in LLVM, DW_FORM_sdata does not count as one. */
static inline int dattr_constant(const dattr_values *v, unsigned slot, uint64_t *out) {
  switch (dattr_form(v, slot)) {
    case DW_FORM_data1: case DW_FORM_data2: case DW_FORM_data4: case DW_FORM_data8: case DW_FORM_udata:
      *out = v->value[slot];
      return 1;
    case DW_FORM_implicit_const:
      if ((v->bad_const >> slot) & 1) return 0;
      *out = v->value[slot];
      return 1;
    default:
      return 0;
  }
}

/* A flag (DW_FORM_flag, flag_present): set when present and nonzero. */
static inline int dattr_flag(const dattr_values *v, unsigned slot) {
  uint32_t f = dattr_form(v, slot);
  return f == DW_FORM_flag_present || (f == DW_FORM_flag && v->value[slot] != 0);
}

/* A section offset; DWARF 2-3 used data4/data8 for these. */
static inline int dattr_section_offset(const dattr_values *v, unsigned slot, uint64_t *out) {
  uint32_t f = dattr_form(v, slot);
  if (f != DW_FORM_sec_offset && f != DW_FORM_data4 && f != DW_FORM_data8) return 0;
  *out = v->value[slot];
  return 1;
}

/* DREF_NONE: a reference that cannot be followed in this .debug_info (type
 * signatures, dwz/supplementary files, a unit-relative offset outside the
 * unit), or none at all. */
#define DREF_NONE UINT64_MAX

/* A reference as an absolute .debug_info offset, given the unit's extent. */
static inline uint64_t dattr_reference(const dattr_values *v, unsigned slot, uint64_t unit_offset, uint64_t unit_end) {
  uint64_t x = v->value[slot];
  switch (dattr_form(v, slot)) {
    case DW_FORM_ref1: case DW_FORM_ref2: case DW_FORM_ref4: case DW_FORM_ref8: case DW_FORM_ref_udata:
      return x < unit_end - unit_offset ? unit_offset + x : DREF_NONE;
    case DW_FORM_ref_addr:
      return x;
    default:
      return DREF_NONE;
  }
}

#endif /* LLGI_DABBREV_H */
