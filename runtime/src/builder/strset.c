/*
 * strset.c: content interning for the builder (strset.h). Open addressing
 * on a 64-bit FNV-1a hash of the bytes; copies live in 64 KiB blocks.
 */
#include "strset.h"

#include <stdlib.h>
#include <string.h>

static uint64_t hash_of(const char *s, size_t n) {
  uint64_t h = 0xcbf29ce484222325ull;
  for (size_t i = 0; i < n; i++) h = (h ^ (uint8_t)s[i]) * 0x100000001b3ull;
  return h ? h : 1;
}

static int grow(strset *set) {
  size_t cap = set->slots ? (set->mask + 1) * 2 : 1024;
  struct strslot *ns = calloc(cap, sizeof *ns);
  if (!ns) return -1;
  if (set->slots) {
    for (size_t i = 0; i <= set->mask; i++) {
      if (!set->slots[i].s) continue;
      size_t j = set->slots[i].hash & (cap - 1);
      while (ns[j].s) j = (j + 1) & (cap - 1);
      ns[j] = set->slots[i];
    }
  }
  free(set->slots);
  set->slots = ns;
  set->mask = cap - 1;
  return 0;
}

/* The slot for (s, n): holding an equal string, or empty. */
static struct strslot *find(strset *set, const char *s, size_t n, uint64_t h) {
  size_t i = h & set->mask;
  for (;; i = (i + 1) & set->mask) {
    struct strslot *e = &set->slots[i];
    if (!e->s || (e->hash == h && strncmp(e->s, s, n) == 0 && e->s[n] == 0)) return e;
  }
}

static char *store(strset *set, const char *s, size_t n) {
  if (n + 1 > set->block_left) {
    size_t size = n + 1 > 65536 ? n + 1 : 65536;
    char **nb = realloc(set->blocks, (set->nblocks + 1) * sizeof *nb);
    if (!nb) return NULL;
    set->blocks = nb;
    char *b = malloc(size);
    if (!b) return NULL;
    set->blocks[set->nblocks++] = b;
    set->block = b;
    set->block_left = size;
  }
  char *p = set->block;
  memcpy(p, s, n);
  p[n] = 0;
  set->block += n + 1;
  set->block_left -= n + 1;
  return p;
}

static const char *intern(strset *set, const char *s, size_t n, int copy, int *oom) {
  if (!s) return NULL;
  if ((set->count + 1) * 2 > (set->slots ? set->mask + 1 : 0) && grow(set)) return *oom = 1, NULL;
  uint64_t h = hash_of(s, n);
  struct strslot *e = find(set, s, n, h);
  if (e->s) return e->s;
  const char *p = copy ? store(set, s, n) : s;
  if (!p) return *oom = 1, NULL;
  e->s = p;
  e->hash = h;
  set->count++;
  return p;
}

const char *strset_intern(strset *set, const char *s, int *oom) { return s ? intern(set, s, strlen(s), 0, oom) : NULL; }

const char *strset_copy(strset *set, const char *s, size_t n, int *oom) { return intern(set, s, n, 1, oom); }

void strset_free(strset *set) {
  for (size_t i = 0; i < set->nblocks; i++) free(set->blocks[i]);
  free(set->blocks);
  free(set->slots);
  memset(set, 0, sizeof *set);
}
