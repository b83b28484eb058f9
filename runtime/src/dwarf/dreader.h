/*
 * dreader.h: a bounds-checked little-endian cursor over one DWARF section,
 * shared by the DWARF readers (llgi_dwarf.h). Every read checks the window's
 * end first; a failed check formats "<section>: <what> at offset 0x<hex>"
 * into the reader's llgi_derr and longjmps to the reader's jmp_buf, so
 * hostile bytes can never be read past and the parsing code reads like the
 * straight-line code of a throwing reader.
 *
 * Whoever calls setjmp owns cleanup: anything allocated between setjmp and
 * a failure must be reachable from a structure freed after the longjmp.
 *
 * Threads and signals: no shared state; not async-signal-safe (vsnprintf).
 */
#ifndef LLGI_DREADER_H
#define LLGI_DREADER_H

#include <setjmp.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "llgi_dwarf.h"

/* Where failures go: the message buffer and the jump back to the caller. */
typedef struct dfail {
  llgi_derr *err;
  jmp_buf *jb;
} dfail;

typedef struct dreader {
  const uint8_t *buf; /* the section's first byte */
  size_t pos;         /* offsets from buf */
  size_t end;         /* exclusive end of the readable window */
  const char *section;
  dfail *fail;
} dreader;

/* Formats "<section>: <printf fmt> at offset 0x<at>" and jumps. */
_Noreturn void dr_fail(const dreader *r, size_t at, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Formats the whole message (no section/offset added) and jumps. */
_Noreturn void dfail_raise(dfail *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Out of memory: "out of memory", and the reader returns -2. */
_Noreturn void dfail_oom(dfail *f);

/* The error code a reader returns after a longjmp: -2 for out of memory, else -1. */
int dfail_code(const dfail *f);

static inline dreader dr_make(const uint8_t *buf, size_t len, const char *section, dfail *f) {
  dreader r = {buf, 0, len, section, f};
  return r;
}

/* A window [pos, end) of the same section (end clamped to the window's). */
static inline dreader dr_sub(const dreader *r, size_t pos, size_t end) {
  dreader s = *r;
  s.pos = pos;
  s.end = end < r->end ? end : r->end;
  return s;
}

static inline size_t dr_left(const dreader *r) { return r->pos < r->end ? r->end - r->pos : 0; }

static inline void dr_need(dreader *r, size_t n) {
  if (r->pos > r->end || n > r->end - r->pos)
    dr_fail(r, r->pos, "truncated (%zu bytes needed, %zu left)", n, dr_left(r));
}

static inline uint8_t dr_u8(dreader *r) {
  dr_need(r, 1);
  return r->buf[r->pos++];
}

static inline uint16_t dr_u16(dreader *r) {
  dr_need(r, 2);
  uint16_t v;
  memcpy(&v, r->buf + r->pos, 2);
  r->pos += 2;
  return v;
}

static inline uint32_t dr_u24(dreader *r) {
  dr_need(r, 3);
  const uint8_t *p = r->buf + r->pos;
  r->pos += 3;
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16;
}

static inline uint32_t dr_u32(dreader *r) {
  dr_need(r, 4);
  uint32_t v;
  memcpy(&v, r->buf + r->pos, 4);
  r->pos += 4;
  return v;
}

static inline uint64_t dr_u64(dreader *r) {
  dr_need(r, 8);
  uint64_t v;
  memcpy(&v, r->buf + r->pos, 8);
  r->pos += 8;
  return v;
}

/* An unsigned value of `size` bytes (1, 2, 4 or 8). */
static inline uint64_t dr_un(dreader *r, unsigned size) {
  switch (size) {
    case 1: return dr_u8(r);
    case 2: return dr_u16(r);
    case 4: return dr_u32(r);
    case 8: return dr_u64(r);
    default: dr_fail(r, r->pos, "unsupported value size %u", size);
  }
}

static inline uint64_t dr_uleb(dreader *r) {
  size_t start = r->pos;
  uint64_t v = 0;
  unsigned shift = 0;
  for (;;) {
    if (r->pos >= r->end) dr_fail(r, start, "truncated LEB128");
    uint8_t b = r->buf[r->pos++];
    if (shift < 64) v |= (uint64_t)(b & 0x7f) << shift;
    if (!(b & 0x80)) break;
    shift += 7;
    if (shift >= 70) dr_fail(r, start, "LEB128 too long");
  }
  return v;
}

static inline int64_t dr_sleb(dreader *r) {
  size_t start = r->pos;
  uint64_t v = 0;
  unsigned shift = 0;
  uint8_t b;
  for (;;) {
    if (r->pos >= r->end) dr_fail(r, start, "truncated LEB128");
    b = r->buf[r->pos++];
    if (shift < 64) v |= (uint64_t)(b & 0x7f) << shift;
    shift += 7;
    if (!(b & 0x80)) break;
    if (shift >= 70) dr_fail(r, start, "LEB128 too long");
  }
  if (shift < 64 && (b & 0x40)) v |= ~(uint64_t)0 << shift;
  return (int64_t)v;
}

/* Skips a LEB128 without decoding it: skipped values may be of any length. */
static inline void dr_skip_leb(dreader *r) {
  size_t p = r->pos;
  while (p < r->end && (r->buf[p] & 0x80)) p++;
  if (p >= r->end) dr_fail(r, r->pos, "truncated LEB128");
  r->pos = p + 1;
}

/* A NUL-terminated string inside the window; returns it in place. */
static inline const char *dr_cstr(dreader *r) {
  const uint8_t *p = r->buf + r->pos;
  const uint8_t *nul = r->pos < r->end ? memchr(p, 0, r->end - r->pos) : NULL;
  if (!nul) dr_fail(r, r->pos, "unterminated string");
  r->pos = (size_t)(nul - r->buf) + 1;
  return (const char *)p;
}

static inline void dr_skip(dreader *r, uint64_t n) {
  if (n > SIZE_MAX) dr_fail(r, r->pos, "truncated (skip of 0x%llx bytes)", (unsigned long long)n);
  dr_need(r, (size_t)n);
  r->pos += (size_t)n;
}

/* An initial length field: the unit length, and whether the unit is 64-bit DWARF. */
static inline uint64_t dr_initial_length(dreader *r, int *dwarf64) {
  uint32_t l = dr_u32(r);
  *dwarf64 = l == 0xffffffffu;
  if (*dwarf64) return dr_u64(r);
  if (l >= 0xfffffff0u) dr_fail(r, r->pos - 4, "reserved initial length 0x%x", l);
  return l;
}

/* A section offset: 4 bytes in 32-bit DWARF, 8 in 64-bit. */
static inline uint64_t dr_offset(dreader *r, int dwarf64) { return dwarf64 ? dr_u64(r) : dr_u32(r); }

/* The NUL-terminated string at `off` of a string section (.debug_str,
 * .debug_line_str): "<section>: string offset 0x.. out of range" or
 * "<section>: unterminated string at 0x..". */
const char *dstring_at(const llgi_dbytes *sec, uint64_t off, const char *section, dfail *f);

#endif /* LLGI_DREADER_H */
