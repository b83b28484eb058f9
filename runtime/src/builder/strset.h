/*
 * strset.h: one pointer per distinct string content. The table writer
 * interns strings by pointer identity (llgi_table_write.h); the builder
 * passes every name and file through here first, so equal contents (the same
 * path in many units' line tables, a name in .symtab and in DWARF) share one
 * table string, and equal strings compare as equal pointers.
 *
 * Threads and signals: not thread-safe (one set per build); allocates.
 */
#ifndef LLGI_STRSET_H
#define LLGI_STRSET_H

#include <stddef.h>
#include <stdint.h>

typedef struct strset {
  struct strslot {
    const char *s;
    uint64_t hash;
  } *slots;
  size_t mask, count;
  char **blocks; /* copies made by strset_copy */
  size_t nblocks;
  char *block;
  size_t block_left;
} strset;

/* The set's pointer for the content of `s` (NULL stays NULL); `s` must
 * outlive the set unless copied. Returns NULL on out of memory with `*oom` set. */
const char *strset_intern(strset *set, const char *s, int *oom);
/* Like strset_intern for the n bytes at s, copied into the set when new. */
const char *strset_copy(strset *set, const char *s, size_t n, int *oom);
void strset_free(strset *set);

#endif /* LLGI_STRSET_H */
