/*
 * goname.c: gc's spelling of Go function names (goname.h).
 */
#include "goname.h"

#include <string.h>

/* Length of `name` without a trailing `.abi<digits>` or `.abiinternal`. */
static size_t without_abi_suffix(const char *name, size_t n) {
  static const char internal[] = ".abiinternal";
  size_t li = sizeof internal - 1;
  if (n >= li && memcmp(name + n - li, internal, li) == 0) return n - li;
  size_t d = n;
  while (d > 0 && name[d - 1] >= '0' && name[d - 1] <= '9') d--;
  if (d < n && d >= 4 && memcmp(name + d - 4, ".abi", 4) == 0) return d - 4;
  return n;
}

size_t go_name_for_print(const char *name, size_t n, char *out) {
  const char *open = memchr(name, '[', n);
  const char *close = NULL;
  for (size_t i = n; open && i > 0; i--)
    if (name[i - 1] == ']') {
      close = name + i - 1;
      break;
    }
  if (!open || !close || close <= open) {
    memcpy(out, name, n);
    return n;
  }
  size_t head = (size_t)(open - name), tail = n - (size_t)(close + 1 - name);
  memcpy(out, name, head);
  memcpy(out + head, "[...]", 5);
  memcpy(out + head + 5, close + 1, tail);
  return head + 5 + tail;
}

size_t gc_runtime_name(const char *name, int from_symtab, const char *dwarf_name, char *out) {
  size_t n = strlen(name);
  if (from_symtab && !(dwarf_name && strcmp(dwarf_name, name) == 0)) n = without_abi_suffix(name, n);
  return go_name_for_print(name, n, out);
}
