/*
 * goname.h: gc's spelling of Go function names (docs/symbolization.md,
 * "gc-built binaries"): generic shapes print as `[...]` (gc's
 * funcNameForPrint), and `.symtab`'s ABI suffixes (`.abi0`, `.abiinternal`)
 * are not part of the name gc's runtime prints.
 *
 * Threads and signals: pure functions; async-signal-safe.
 */
#ifndef LLGI_GONAME_H
#define LLGI_GONAME_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Room `out` needs for a name of n bytes. */
#define GO_NAME_ROOM(n) ((n) + 5)

/* gc's funcNameForPrint of name[0..n): everything from the first `[` to the
 * last `]` becomes `[...]`. Writes the result to `out` (GO_NAME_ROOM(n)
 * bytes, not NUL-terminated) and returns its length. */
size_t go_name_for_print(const char *name, size_t n, char *out);

/* The name gc's runtime prints for a function of a gc binary named `name`
 * by its symbol table (from_symtab) or DWARF: ABI suffixes are stripped from
 * symbol names unless DWARF names the function by the suffixed name itself
 * (dwarf_name, NULL when none); then go_name_for_print. Same `out` rule. */
size_t gc_runtime_name(const char *name, int from_symtab, const char *dwarf_name, char *out);

#ifdef __cplusplus
}
#endif

#endif /* LLGI_GONAME_H */
