/*
 * ranges.c: the address pool, range lists (ranges.h) and .debug_aranges
 * (llgi_daranges_read, llgi_dwarf.h).
 */
#include "ranges.h"

#include <stdlib.h>

#include "dgrow.h"

void drange_push(drange_vec *out, uint64_t lo, uint64_t hi, unsigned addr_size, dfail *f) {
  if (!dvalid_range(lo, hi, addr_size)) return;
  DGROW(f, out->v, out->n, out->cap);
  out->v[out->n++] = (llgi_drange){lo, hi};
}

dreader dreader_at(const llgi_dbytes *sec, const char *section, uint64_t offset, dfail *f) {
  if (!sec->p) dfail_raise(f, "%s: section missing, needed for offset 0x%llx", section, (unsigned long long)offset);
  dreader r = dr_make(sec->p, sec->n, section, f);
  if (offset > sec->n) dr_fail(&r, (size_t)offset, "offset out of range");
  r.pos = (size_t)offset;
  return r;
}

uint64_t dranges_addr(const llgi_dsections *s, const drange_unit *u, uint64_t index, dfail *f) {
  dreader r = dreader_at(&s->addr, ".debug_addr", dindex_offset(u->addr_base, index, u->addr_size), f);
  return dr_un(&r, u->addr_size);
}

/* DWARF 2-4: (start, end) pairs relative to the base address, an all-ones
 * start selecting a new base, (0, 0) ending the list. */
static void range_list(const llgi_dsections *s, const drange_unit *u, uint64_t offset, drange_vec *out, dfail *f) {
  dreader r = dreader_at(&s->ranges, ".debug_ranges", offset, f);
  unsigned size = u->addr_size;
  uint64_t all_ones = size >= 8 ? UINT64_MAX : ((uint64_t)1 << (8 * size)) - 1;
  uint64_t base = u->low_pc;
  for (;;) {
    uint64_t lo = dr_un(&r, size);
    uint64_t hi = dr_un(&r, size);
    if (lo == 0 && hi == 0) return;
    if (lo == all_ones) base = hi;
    else drange_push(out, daddr_add(base, lo, size), daddr_add(base, hi, size), size, f);
  }
}

/* DW_RLE_* entry kinds of .debug_rnglists. */
enum {
  RLE_END_OF_LIST = 0,
  RLE_BASE_ADDRESSX = 1,
  RLE_STARTX_ENDX = 2,
  RLE_STARTX_LENGTH = 3,
  RLE_OFFSET_PAIR = 4,
  RLE_BASE_ADDRESS = 5,
  RLE_START_END = 6,
  RLE_START_LENGTH = 7,
};

/*
 * A DW_RLE_offset_pair operand added to the base. Producers rely on 64-bit
 * wrap-around: Go encodes an address below the base as the ULEB128 of
 * (addr - base) mod 2^64, so the operand's low 64 bits are added modulo
 * 2^64, whatever its length.
 */
static uint64_t offset_from_base(dreader *r, uint64_t base, unsigned size) {
  size_t start = r->pos;
  dr_skip_leb(r);
  uint64_t v = 0;
  for (size_t i = r->pos; i-- > start;) v = (v << 7) | (r->buf[i] & 0x7f);
  if (size >= 8 && base >= dtomb_floor(8)) return UINT64_MAX;
  return base + v;
}

static void rnglist(const llgi_dsections *s, const drange_unit *u, uint64_t offset, drange_vec *out, dfail *f) {
  dreader r = dreader_at(&s->rnglists, ".debug_rnglists", offset, f);
  unsigned size = u->addr_size;
  uint64_t base = u->low_pc;
  for (;;) {
    uint8_t kind = dr_u8(&r);
    switch (kind) {
      case RLE_END_OF_LIST:
        return;
      case RLE_BASE_ADDRESSX:
        base = dranges_addr(s, u, dr_uleb(&r), f);
        break;
      case RLE_STARTX_ENDX: {
        uint64_t lo = dranges_addr(s, u, dr_uleb(&r), f);
        drange_push(out, lo, dranges_addr(s, u, dr_uleb(&r), f), size, f);
        break;
      }
      case RLE_STARTX_LENGTH: {
        uint64_t lo = dranges_addr(s, u, dr_uleb(&r), f);
        drange_push(out, lo, daddr_add(lo, dr_uleb(&r), size), size, f);
        break;
      }
      case RLE_OFFSET_PAIR: {
        uint64_t lo = offset_from_base(&r, base, size);
        drange_push(out, lo, offset_from_base(&r, base, size), size, f);
        break;
      }
      case RLE_BASE_ADDRESS:
        base = dr_un(&r, size);
        break;
      case RLE_START_END: {
        uint64_t lo = dr_un(&r, size);
        drange_push(out, lo, dr_un(&r, size), size, f);
        break;
      }
      case RLE_START_LENGTH: {
        uint64_t lo = dr_un(&r, size);
        drange_push(out, lo, daddr_add(lo, dr_uleb(&r), size), size, f);
        break;
      }
      default:
        dr_fail(&r, r.pos - 1, "unknown range list entry kind 0x%x", kind);
    }
  }
}

void dranges_list(const llgi_dsections *s, const drange_unit *u, uint64_t offset, drange_vec *out, dfail *f) {
  if (u->version >= 5) rnglist(s, u, offset, out, f);
  else range_list(s, u, offset, out, f);
}

void dranges_list_by_index(const llgi_dsections *s, const drange_unit *u, uint64_t index, drange_vec *out, dfail *f) {
  dreader r = dreader_at(&s->rnglists, ".debug_rnglists", dindex_offset(u->rnglists_base, index, u->dwarf64 ? 8 : 4), f);
  uint64_t rel = dr_offset(&r, u->dwarf64);
  rnglist(s, u, u->rnglists_base + rel < u->rnglists_base ? UINT64_MAX : u->rnglists_base + rel, out, f);
}

/* ---- .debug_aranges ---- */

typedef struct aranges_ctx {
  llgi_daranges *out;
  uint32_t cap, capsets, capsets_start;
  dfail *fail;
} aranges_ctx;

static void read_set(aranges_ctx *c, dreader *r) {
  size_t start = r->pos;
  int dwarf64;
  uint64_t length = dr_initial_length(r, &dwarf64);
  if (length > dr_left(r)) dr_fail(r, start, "set length past section end");
  dreader set = dr_sub(r, r->pos, r->pos + (size_t)length);
  r->pos += (size_t)length;
  uint16_t version = dr_u16(&set);
  if (version != 2) dr_fail(&set, start, "unsupported version %u", version);
  uint64_t cu_offset = dr_offset(&set, dwarf64);
  uint8_t addr_size = dr_u8(&set);
  uint8_t seg_size = dr_u8(&set);
  if (addr_size != 1 && addr_size != 2 && addr_size != 4 && addr_size != 8) dr_fail(&set, start, "bad address size %u", addr_size);
  llgi_daranges *o = c->out;
  DGROW(c->fail, o->set_cu, o->nsets, c->capsets);
  DGROW(c->fail, o->set_start, o->nsets, c->capsets_start);
  o->set_cu[o->nsets] = cu_offset;
  o->set_start[o->nsets++] = o->count;
  // Tuples start at a multiple of the tuple size, counted from the set's start.
  size_t tuple = (size_t)seg_size + 2 * (size_t)addr_size;
  dr_skip(&set, (tuple - ((set.pos - start) % tuple)) % tuple);
  while (dr_left(&set) >= tuple) {
    dr_skip(&set, seg_size);
    uint64_t lo = dr_un(&set, addr_size);
    uint64_t len = dr_un(&set, addr_size);
    if (lo == 0 && len == 0) break;
    uint64_t hi = daddr_add(lo, len, addr_size);
    if (!dvalid_range(lo, hi, addr_size)) continue;
    DGROW(c->fail, o->ranges, o->count, c->cap);
    o->ranges[o->count++] = (llgi_darange){cu_offset, lo, hi};
  }
}

int llgi_daranges_read(const llgi_dsections *s, llgi_daranges *out, llgi_derr *err) {
  *out = (llgi_daranges){0};
  jmp_buf jb;
  dfail fail = {err, &jb};
  aranges_ctx c = {out, 0, 0, 0, &fail};
  if (setjmp(jb)) {
    llgi_daranges_free(out);
    return dfail_code(&fail);
  }
  if (!s->aranges.p) return 0;
  dreader r = dr_make(s->aranges.p, s->aranges.n, ".debug_aranges", &fail);
  while (dr_left(&r) > 0) read_set(&c, &r);
  return 0;
}

void llgi_daranges_free(llgi_daranges *a) {
  free(a->ranges);
  free(a->set_cu);
  free(a->set_start);
  *a = (llgi_daranges){0};
}
