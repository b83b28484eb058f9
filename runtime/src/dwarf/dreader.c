/*
 * dreader.c: failure reporting of the DWARF cursor (dreader.h).
 */
#include "dreader.h"

#include <stdarg.h>
#include <stdio.h>

static const char OOM[] = "out of memory";

_Noreturn void dr_fail(const dreader *r, size_t at, const char *fmt, ...) {
  char what[256];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(what, sizeof what, fmt, ap);
  va_end(ap);
  snprintf(r->fail->err->msg, sizeof r->fail->err->msg, "%s: %s at offset 0x%zx", r->section, what, at);
  longjmp(*r->fail->jb, 1);
}

_Noreturn void dfail_raise(dfail *f, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(f->err->msg, sizeof f->err->msg, fmt, ap);
  va_end(ap);
  longjmp(*f->jb, 1);
}

_Noreturn void dfail_oom(dfail *f) {
  memcpy(f->err->msg, OOM, sizeof OOM);
  longjmp(*f->jb, 1);
}

int dfail_code(const dfail *f) { return strcmp(f->err->msg, OOM) == 0 ? -2 : -1; }

const char *dstring_at(const llgi_dbytes *sec, uint64_t off, const char *section, dfail *f) {
  if (!sec->p || off >= sec->n) dfail_raise(f, "%s: string offset 0x%llx out of range", section, (unsigned long long)off);
  const uint8_t *nul = memchr(sec->p + off, 0, sec->n - (size_t)off);
  if (!nul) dfail_raise(f, "%s: unterminated string at 0x%llx", section, (unsigned long long)off);
  return (const char *)(sec->p + off);
}
