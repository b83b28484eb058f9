/*
 * registry.c: registered text ranges (llgi_registry.h).
 *
 * Each slot is a seqlock: the writer makes `seq` odd, writes the fields, and
 * makes it even again; a reader copies the fields between two reads of an
 * even, unchanged `seq`. Fields are relaxed atomics so the copy is race-free
 * in the C11 model. `g_active` bounds the scan to slots ever used, and the
 * union of live ranges [g_lo, g_hi) rejects most foreign pcs in two compares.
 */
#include "llgi_registry.h"

#include <pthread.h>
#include <stdatomic.h>

typedef struct slot {
  _Atomic uint32_t seq;  /* odd while being written */
  _Atomic int used;
  _Atomic uint64_t lo, hi, bias;
  _Atomic(const llgi_table *) table;
  _Atomic uint32_t module;
} slot;

static slot g_slots[LLGI_REGISTRY_SLOTS];
/* Slots [0, g_active) may be in use; never shrinks. */
static _Atomic int g_active;
/* Union bounds of the used ranges (a superset is fine: it only filters). */
static _Atomic uint64_t g_lo = UINT64_MAX, g_hi;
/* Bumped after every add and remove (llgi_registry_generation). */
_Atomic uint32_t llgi_registry_gen;
/* Serialises writers. Readers never take it. */
static pthread_mutex_t g_write = PTHREAD_MUTEX_INITIALIZER;

#define RLX memory_order_relaxed

static void write_begin(slot *s) {
  atomic_fetch_add_explicit(&s->seq, 1, RLX);
  atomic_thread_fence(memory_order_release);
}

static void write_end(slot *s) {
  atomic_thread_fence(memory_order_release);
  atomic_fetch_add_explicit(&s->seq, 1, RLX);
}

uint32_t llgi_registry_generation(void) { return atomic_load_explicit(&llgi_registry_gen, memory_order_acquire); }

/* Called by writers (under g_write) after each change. */
static void recompute_bounds(void) {
  uint64_t lo = UINT64_MAX, hi = 0;
  int n = atomic_load_explicit(&g_active, RLX);
  for (int i = 0; i < n; i++) {
    if (!atomic_load_explicit(&g_slots[i].used, RLX)) continue;
    uint64_t a = atomic_load_explicit(&g_slots[i].lo, RLX), b = atomic_load_explicit(&g_slots[i].hi, RLX);
    if (a < lo) lo = a;
    if (b > hi) hi = b;
  }
  atomic_store_explicit(&g_lo, lo, memory_order_release);
  atomic_store_explicit(&g_hi, hi, memory_order_release);
  atomic_fetch_add_explicit(&llgi_registry_gen, 1, memory_order_release);
}

int llgi_registry_add(uint64_t lo, uint64_t hi, uint64_t bias, const llgi_table *table, uint32_t module) {
  if (lo >= hi) return -1;
  pthread_mutex_lock(&g_write);
  int found = -1;
  for (int i = 0; i < LLGI_REGISTRY_SLOTS; i++) {
    if (!atomic_load_explicit(&g_slots[i].used, RLX)) {
      found = i;
      break;
    }
  }
  if (found >= 0) {
    slot *s = &g_slots[found];
    write_begin(s);
    atomic_store_explicit(&s->lo, lo, RLX);
    atomic_store_explicit(&s->hi, hi, RLX);
    atomic_store_explicit(&s->bias, bias, RLX);
    atomic_store_explicit(&s->table, table, RLX);
    atomic_store_explicit(&s->module, module, RLX);
    atomic_store_explicit(&s->used, 1, RLX);
    write_end(s);
    if (found >= atomic_load_explicit(&g_active, RLX)) atomic_store_explicit(&g_active, found + 1, memory_order_release);
    recompute_bounds();
  }
  pthread_mutex_unlock(&g_write);
  return found;
}

void llgi_registry_remove(int i) {
  if (i < 0 || i >= LLGI_REGISTRY_SLOTS) return;
  pthread_mutex_lock(&g_write);
  slot *s = &g_slots[i];
  write_begin(s);
  atomic_store_explicit(&s->used, 0, RLX);
  atomic_store_explicit(&s->table, (const llgi_table *)0, RLX);
  write_end(s);
  recompute_bounds();
  pthread_mutex_unlock(&g_write);
}

/* A reader interrupting a writer on the same thread (a signal handler) must
 * not spin forever: after this many tries it reports "not found". */
#define READ_TRIES 1000

/* Copies slot i if it is in use and holds pc; retries while a writer is active. */
static int read_slot(int i, uint64_t pc, llgi_range *out) {
  slot *s = &g_slots[i];
  for (int tries = 0; tries < READ_TRIES; tries++) {
    uint32_t seq = atomic_load_explicit(&s->seq, memory_order_acquire);
    if (seq & 1) continue;
    int used = atomic_load_explicit(&s->used, RLX);
    uint64_t lo = atomic_load_explicit(&s->lo, RLX), hi = atomic_load_explicit(&s->hi, RLX);
    llgi_range r = {lo, hi, atomic_load_explicit(&s->bias, RLX), atomic_load_explicit(&s->table, RLX),
                    atomic_load_explicit(&s->module, RLX)};
    atomic_thread_fence(memory_order_acquire);
    if (atomic_load_explicit(&s->seq, RLX) != seq) continue;
    if (!used || pc < lo || pc >= hi) return 0;
    if (out) *out = r;
    return 1;
  }
  return 0;
}

int llgi_registry_find(uint64_t pc, llgi_range *out) {
  if (pc < atomic_load_explicit(&g_lo, memory_order_acquire) || pc >= atomic_load_explicit(&g_hi, memory_order_acquire))
    return 0;
  int n = atomic_load_explicit(&g_active, memory_order_acquire);
  for (int i = 0; i < n; i++)
    if (read_slot(i, pc, out)) return 1;
  return 0;
}

int llgi_registry_contains(uint64_t pc) { return llgi_registry_find(pc, (llgi_range *)0); }
