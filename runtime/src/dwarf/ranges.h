/*
 * ranges.h: address-valued DWARF data outside .debug_info: the address pool
 * (.debug_addr, for DW_FORM_addrx), DWARF 2-4 range lists (.debug_ranges)
 * and DWARF 5 range lists (.debug_rnglists). .debug_aranges is read by
 * llgi_daranges_read (llgi_dwarf.h), also in ranges.c.
 *
 * Every range is half-open [lo, hi). Empty ranges and ranges of code the
 * linker discarded (tombstones) are dropped here, once, so no consumer has
 * to know the tombstone conventions.
 *
 * Threads and signals: no shared state; allocates (the output array); not
 * async-signal-safe. Failures longjmp through the reader's dfail.
 */
#ifndef LLGI_DRANGES_H
#define LLGI_DRANGES_H

#include <stdint.h>

#include "dreader.h"

/*
 * Start addresses at or above this are tombstones. Linkers write all-ones
 * (lld: all-ones minus one in .debug_ranges, where all-ones selects a base);
 * with 8-byte addresses any value whose top word is all ones counts, as in
 * the readers these replace (JavaScript numbers cannot tell them apart).
 */
static inline uint64_t dtomb_floor(unsigned addr_size) {
  return addr_size >= 8 ? 0xffffffff00000000u : ((uint64_t)1 << (8 * addr_size)) - 2;
}

/* Whether [lo, hi) is worth keeping: not empty, not inverted, not a tombstone. */
static inline int dvalid_range(uint64_t lo, uint64_t hi, unsigned addr_size) {
  return hi > lo && lo < dtomb_floor(addr_size);
}

/* base + x for an address relative to a base: a tombstone (8-byte
 * addresses) stays one, and the sum saturates instead of wrapping. */
static inline uint64_t daddr_add(uint64_t base, uint64_t x, unsigned addr_size) {
  if (addr_size >= 8 && (base >= dtomb_floor(8) || x >= dtomb_floor(8))) return UINT64_MAX;
  uint64_t s = base + x;
  return s < base ? UINT64_MAX : s;
}

/* What a range list needs from the unit that refers to it. */
typedef struct drange_unit {
  uint16_t version;
  uint8_t addr_size;
  uint8_t dwarf64;
  uint64_t low_pc; /* the unit's base address (its DW_AT_low_pc, 0 when absent) */
  uint64_t addr_base;
  uint64_t rnglists_base;
} drange_unit;

/* The growing range array the lists are appended to. */
typedef struct drange_vec {
  llgi_drange *v;
  uint32_t n, cap;
} drange_vec;

void drange_push(drange_vec *out, uint64_t lo, uint64_t hi, unsigned addr_size, dfail *f);

/* Entry `index` of the unit's slice of the address pool (DW_FORM_addrx, DW_RLE_*x). */
uint64_t dranges_addr(const llgi_dsections *s, const drange_unit *u, uint64_t index, dfail *f);

/* Appends the list DW_AT_ranges points at with a section offset. */
void dranges_list(const llgi_dsections *s, const drange_unit *u, uint64_t offset, drange_vec *out, dfail *f);

/* Appends the list DW_AT_ranges names with DW_FORM_rnglistx: an index into the offset table at rnglists_base. */
void dranges_list_by_index(const llgi_dsections *s, const drange_unit *u, uint64_t index, drange_vec *out, dfail *f);

/* base + index * size, saturating (an offset that then fails the range check). */
static inline uint64_t dindex_offset(uint64_t base, uint64_t index, unsigned size) {
  if (index > (UINT64_MAX - base) / size) return UINT64_MAX;
  return base + index * size;
}

/* A reader over `sec` positioned at `offset`: "<section>: section missing,
 * needed for offset 0x.." when absent, "offset out of range" past its end. */
dreader dreader_at(const llgi_dbytes *sec, const char *section, uint64_t offset, dfail *f);

#endif /* LLGI_DRANGES_H */
