/*
 * frametext.c: gc's view of one address's frames (wrapper elision) and its
 * traceback layout as text (llgi_frametext.h).
 */
#include "llgi_frametext.h"

#include <string.h>

/* What a gc wrapper may call and still be shown (gc's elideWrapperCalling, runtime/traceback.go). */
static const char *const shown_wrapper_callees[] = {"runtime.gopanic", "runtime.sigpanic", "runtime.panicwrap"};

int llgi_frames_elide_wrapper(const llgi_table *t, const llgi_frame *frames, int n) {
  if (n < 2 || !(t->funcs[frames[n - 1].func].flags & LLGI_FUNC_WRAPPER)) return n;
  for (size_t i = 0; i < sizeof shown_wrapper_callees / sizeof shown_wrapper_callees[0]; i++)
    if (strcmp(frames[n - 2].function, shown_wrapper_callees[i]) == 0) return n;
  return n - 1;
}

/* Decimal digits of v, written backwards from end; returns the first one. */
static char *decimal(uint32_t v, char *end) {
  do *--end = (char)('0' + v % 10);
  while ((v /= 10) != 0);
  return end;
}

size_t llgi_frames_text(const llgi_frame *frames, int n, char *out, size_t *len, size_t cap) {
  static const llgi_frame unknown = {"", 0, 0, 0, 0, 0};
  if (n == 0) {
    frames = &unknown;
    n = 1;
  }
  char digits[10];
  size_t need = 0;
  for (int pass = 0; pass < 2; pass++) {
    char *w = out + *len;
    for (int i = 0; i < n; i++) {
      const char *fn = frames[i].function[0] ? frames[i].function : "?";
      const char *file = frames[i].file ? frames[i].file : "?";
      char *d = decimal(frames[i].line, digits + sizeof digits);
      size_t lf = strlen(fn), lfile = strlen(file), ld = (size_t)(digits + sizeof digits - d);
      if (pass == 0) {
        need += lf + lfile + ld + 4; /* "\n\t", ':' and '\n' */
        continue;
      }
      memcpy(w, fn, lf), w += lf;
      *w++ = '\n', *w++ = '\t';
      memcpy(w, file, lfile), w += lfile;
      *w++ = ':';
      memcpy(w, d, ld), w += ld;
      *w++ = '\n';
    }
    if (pass == 0 && (*len > cap || need > cap - *len)) return need;
  }
  *len += need;
  return need;
}
