/*
 * abbrev.c: .debug_abbrev tables and attribute forms (abbrev.h).
 */
#include "abbrev.h"

#include <stdlib.h>

#include "dgrow.h"

static int form_size(uint64_t form) {
  switch (form) {
    case DW_FORM_flag_present: case DW_FORM_implicit_const:
      return 0;
    case DW_FORM_data1: case DW_FORM_ref1: case DW_FORM_flag: case DW_FORM_strx1: case DW_FORM_addrx1:
      return 1;
    case DW_FORM_data2: case DW_FORM_ref2: case DW_FORM_strx2: case DW_FORM_addrx2:
      return 2;
    case DW_FORM_strx3: case DW_FORM_addrx3:
      return 3;
    case DW_FORM_data4: case DW_FORM_ref4: case DW_FORM_strx4: case DW_FORM_addrx4: case DW_FORM_ref_sup4:
      return 4;
    case DW_FORM_data8: case DW_FORM_ref8: case DW_FORM_ref_sig8: case DW_FORM_ref_sup8:
      return 8;
    case DW_FORM_data16:
      return 16;
    case DW_FORM_addr:
      return DSZ_ADDR;
    case DW_FORM_strp: case DW_FORM_line_strp: case DW_FORM_sec_offset: case DW_FORM_strp_sup:
    case DW_FORM_GNU_ref_alt: case DW_FORM_GNU_strp_alt:
      return DSZ_OFFSET;
    case DW_FORM_ref_addr:
      return DSZ_REF_ADDR;
    case DW_FORM_string: case DW_FORM_block: case DW_FORM_block1: case DW_FORM_block2: case DW_FORM_block4:
    case DW_FORM_exprloc: case DW_FORM_sdata: case DW_FORM_udata: case DW_FORM_ref_udata: case DW_FORM_indirect:
    case DW_FORM_strx: case DW_FORM_addrx: case DW_FORM_loclistx: case DW_FORM_rnglistx:
    case DW_FORM_GNU_addr_index: case DW_FORM_GNU_str_index:
      return DSZ_VARIABLE;
    default:
      return DSZ_UNKNOWN;
  }
}

/*
 * An implicit_const value; `ok` 0 when it is longer than 7 LEB128 bytes (49
 * bits): such constants are legitimate (enumerator values, bounds) but never
 * an attribute these readers decode, so they must not fail the table.
 */
static int64_t implicit_const(dreader *r, uint8_t *ok) {
  size_t start = r->pos;
  dr_skip_leb(r);
  *ok = r->pos - start <= 7;
  if (!*ok) return 0;
  r->pos = start;
  return dr_sleb(r);
}

static int by_code(const void *a, const void *b) {
  const dabbrev_code *x = a, *y = b;
  if (x->code != y->code) return x->code < y->code ? -1 : 1;
  return x->index < y->index ? -1 : x->index > y->index;
}

/*
 * Codes are nearly always dense from 1, so an array serves them; a table
 * whose codes are far apart (hostile, or a huge code) keeps the rest in a
 * sorted array, so no table costs more than a few times its size.
 */
static void index_codes(dabbrev_table *t, dfail *f) {
  uint64_t limit = 4 * (uint64_t)t->n + 256;
  uint64_t max = 0;
  for (uint32_t i = 0; i < t->n; i++)
    if (t->abbrevs[i].code < limit && t->abbrevs[i].code > max) max = t->abbrevs[i].code;
  t->ndense = t->n ? (uint32_t)max + 1 : 0;
  if (t->ndense) {
    t->dense = calloc(t->ndense, sizeof *t->dense);
    if (!t->dense) {
      t->ndense = 0;
      dfail_oom(f);
    }
  }
  uint32_t nsparse = 0;
  for (uint32_t i = 0; i < t->n; i++) {
    // A code declared twice: the later declaration wins.
    if (t->abbrevs[i].code < t->ndense) t->dense[t->abbrevs[i].code] = &t->abbrevs[i];
    else nsparse++;
  }
  if (!nsparse) return;
  t->sparse = malloc(nsparse * sizeof *t->sparse);
  if (!t->sparse) dfail_oom(f);
  for (uint32_t i = 0; i < t->n; i++)
    if (t->abbrevs[i].code >= t->ndense) t->sparse[t->nsparse++] = (dabbrev_code){t->abbrevs[i].code, i};
  qsort(t->sparse, t->nsparse, sizeof *t->sparse, by_code);
  // Keep the last declaration of each code.
  uint32_t k = 0;
  for (uint32_t i = 0; i < t->nsparse; i++) {
    if (i + 1 < t->nsparse && t->sparse[i + 1].code == t->sparse[i].code) continue;
    t->sparse[k++] = t->sparse[i];
  }
  t->nsparse = k;
}

const dabbrev *dabbrev_sparse_get(const dabbrev_table *t, uint64_t code) {
  uint32_t lo = 0, hi = t->nsparse;
  while (lo < hi) {
    uint32_t mid = lo + (hi - lo) / 2;
    if (t->sparse[mid].code < code) lo = mid + 1;
    else hi = mid;
  }
  return lo < t->nsparse && t->sparse[lo].code == code ? &t->abbrevs[t->sparse[lo].index] : NULL;
}

void dabbrev_parse(dabbrev_table *t, const llgi_dbytes *sec, uint64_t offset, const uint8_t *slot_of, size_t nslot_of, dfail *f) {
  dreader r = dr_make(sec->p, sec->n, ".debug_abbrev", f);
  if (offset >= sec->n) dr_fail(&r, (size_t)offset, "abbreviation table offset out of range");
  r.pos = (size_t)offset;
  // A table ends with code 0; tolerate one that runs exactly to the section end.
  while (dr_left(&r) > 0) {
    uint64_t code = dr_uleb(&r);
    if (code == 0) break;
    DGROW(f, t->abbrevs, t->n, t->cap);
    dabbrev *a = &t->abbrevs[t->n];
    *a = (dabbrev){.code = code};
    a->tag = dr_uleb(&r);
    a->has_children = dr_u8(&r) != 0;
    a->first = t->nattrs;
    a->fixed = 1;
    for (;;) {
      uint64_t at = dr_uleb(&r);
      uint64_t form = dr_uleb(&r);
      if (at == 0 && form == 0) break;
      DGROW(f, t->attrs, t->nattrs, t->capattrs);
      dattr_spec *s = &t->attrs[t->nattrs];
      *s = (dattr_spec){.form = form, .slot = at < nslot_of ? slot_of[at] : 0};
      if (form == DW_FORM_implicit_const) s->implicit_const = implicit_const(&r, &s->implicit_ok);
      int sz = form_size(form);
      s->size = (int8_t)sz;
      if (sz >= 0) a->bytes += (uint32_t)sz;
      else if (sz == DSZ_ADDR) a->addrs++;
      else if (sz == DSZ_OFFSET) a->offsets++;
      else if (sz == DSZ_REF_ADDR) a->ref_addrs++;
      // Data-dependent size; an unknown form is only an error once a DIE uses it.
      else a->fixed = 0;
      t->nattrs++;
      a->count++;
    }
    t->n++;
  }
  index_codes(t, f);
}

void dabbrev_table_free(dabbrev_table *t) {
  free(t->abbrevs);
  free(t->attrs);
  free(t->dense);
  free(t->sparse);
  *t = (dabbrev_table){0};
}

void dskip_form(dreader *r, uint64_t form, const dunit_enc *u) {
  // Each indirection consumes at least one byte, so a chain of them ends.
  while (form == DW_FORM_indirect) form = dr_uleb(r);
  int sz = form_size(form);
  switch (sz) {
    case DSZ_ADDR: dr_skip(r, u->addr_size); return;
    case DSZ_OFFSET: dr_skip(r, denc_offset_size(u)); return;
    case DSZ_REF_ADDR: dr_skip(r, denc_ref_addr_size(u)); return;
    case DSZ_VARIABLE: case DSZ_UNKNOWN: break;
    default: dr_skip(r, (uint64_t)sz); return;
  }
  switch (form) {
    case DW_FORM_string: (void)dr_cstr(r); return;
    case DW_FORM_block1: dr_skip(r, dr_u8(r)); return;
    case DW_FORM_block2: dr_skip(r, dr_u16(r)); return;
    case DW_FORM_block4: dr_skip(r, dr_u32(r)); return;
    case DW_FORM_block: case DW_FORM_exprloc: dr_skip(r, dr_uleb(r)); return;
    case DW_FORM_sdata: case DW_FORM_udata: case DW_FORM_ref_udata: case DW_FORM_strx: case DW_FORM_addrx:
    case DW_FORM_loclistx: case DW_FORM_rnglistx: case DW_FORM_GNU_addr_index: case DW_FORM_GNU_str_index:
      dr_skip_leb(r);
      return;
  }
  dr_fail(r, r->pos, "unknown attribute form 0x%llx", (unsigned long long)form);
}

/* One value of a known (non-indirect) form into slot `slot`. */
static void read_form(dattr_values *v, unsigned slot, dreader *r, uint64_t form, const dunit_enc *u, const dattr_spec *s) {
  uint64_t x;
  switch (form) {
    case DW_FORM_addr: x = dr_un(r, u->addr_size); break;
    case DW_FORM_data1: case DW_FORM_ref1: case DW_FORM_flag: case DW_FORM_strx1: case DW_FORM_addrx1: x = dr_u8(r); break;
    case DW_FORM_data2: case DW_FORM_ref2: case DW_FORM_strx2: case DW_FORM_addrx2: x = dr_u16(r); break;
    case DW_FORM_strx3: case DW_FORM_addrx3: x = dr_u24(r); break;
    case DW_FORM_data4: case DW_FORM_ref4: case DW_FORM_strx4: case DW_FORM_addrx4: case DW_FORM_ref_sup4: x = dr_u32(r); break;
    case DW_FORM_data8: case DW_FORM_ref8: case DW_FORM_ref_sup8: x = dr_u64(r); break;
    case DW_FORM_sdata: x = (uint64_t)dr_sleb(r); break;
    case DW_FORM_udata: case DW_FORM_ref_udata: case DW_FORM_strx: case DW_FORM_addrx: case DW_FORM_loclistx:
    case DW_FORM_rnglistx: case DW_FORM_GNU_addr_index: case DW_FORM_GNU_str_index:
      x = dr_uleb(r);
      break;
    case DW_FORM_string:
      v->str[slot] = dr_cstr(r);
      x = 0;
      break;
    case DW_FORM_strp: case DW_FORM_line_strp: case DW_FORM_sec_offset: case DW_FORM_strp_sup:
    case DW_FORM_GNU_ref_alt: case DW_FORM_GNU_strp_alt:
      x = dr_offset(r, u->dwarf64);
      break;
    case DW_FORM_ref_addr: x = dr_un(r, denc_ref_addr_size(u)); break;
    case DW_FORM_flag_present: x = 1; break;
    case DW_FORM_implicit_const:
      // Negative or oversized implicit constants are no valid unsigned value.
      if (!s->implicit_ok || s->implicit_const < 0) v->bad_const |= 1u << slot;
      x = (uint64_t)s->implicit_const;
      break;
    default:
      dskip_form(r, form, u);
      x = 0;
  }
  v->value[slot] = x;
}

void dattrs_read(dattr_values *v, dreader *r, const dabbrev_table *t, const dabbrev *a, const dunit_enc *u) {
  v->present = 0;
  v->bad_const = 0;
  const dattr_spec *s = t->attrs + a->first;
  for (uint32_t i = 0; i < a->count; i++) {
    unsigned slot = s[i].slot;
    if (!slot) {
      dattr_skip(r, &s[i], u);
      continue;
    }
    uint64_t form = s[i].form;
    while (form == DW_FORM_indirect) {
      form = dr_uleb(r);
      // The constant lives in the abbreviation, which an indirect form bypasses.
      if (form == DW_FORM_implicit_const) dr_fail(r, r->pos, "DW_FORM_implicit_const through DW_FORM_indirect");
    }
    // Forms past 32 bits are unknown: read_form fails on them before the slot is used.
    v->form[slot] = (uint32_t)form;
    v->present |= 1u << slot;
    v->bad_const &= ~(1u << slot);
    read_form(v, slot, r, form, u, &s[i]);
  }
}
