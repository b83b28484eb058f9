/*
 * table_threads: lookups racing over a table adopted at first use
 * (llgi_table_adopt_lazy), from several threads and from a SIGPROF handler
 * that interrupts them, possibly in the middle of validating a bucket.
 * Built with ThreadSanitizer (and without) by test/table-firstuse.test.ts.
 *
 * Usage: table_threads TABLE SUMS THREADS ROUNDS
 *
 * Each round adopts the table afresh (nothing validated) and lets every
 * thread walk all of its text once, in its own order.
 *
 * When the table is valid, every answer must equal the answer of the same
 * table adopted whole: prints "ok <lookups> <signal lookups> <mismatches>".
 * When it is not, every thread must see the refusal and, once it has seen
 * it, every later lookup of its own inside the text must be refused too
 * (outside it, "not in this table" stays the answer): prints
 * "refused <what> <violations> <threads that saw it, summed over rounds>".
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include "llgi_table.h"
#include "slurp.h" /* bench/slurp.h */

#define MAXF 8

static llgi_table whole, lazy;
static int have_whole;
static uint64_t lo, span;
static int rounds;
static _Atomic uint64_t lookups, signal_lookups, mismatches, violations, refusals;

/* 1: same answer as whole adoption, 0: different, -1: refused. */
static int check(uint64_t a) {
  llgi_frame got[MAXF], want[MAXF];
  int n = llgi_table_frames(&lazy, a, got, MAXF);
  if (n < 0) return -1;
  if (!have_whole) return 1;
  int m = llgi_table_frames(&whole, a, want, MAXF);
  if (n != m) return 0;
  for (int k = 0; k < n && k < MAXF; k++)
    if (got[k].function != want[k].function || got[k].file != want[k].file || got[k].line != want[k].line ||
        got[k].func != want[k].func || got[k].entry != want[k].entry || got[k].inlined != want[k].inlined)
      return 0;
  return 1;
}

static void on_prof(int sig) {
  (void)sig;
  static _Atomic uint64_t next;
  uint64_t i = atomic_fetch_add_explicit(&next, 7919, memory_order_relaxed);
  int r = check(lo + i % span);
  atomic_fetch_add_explicit(&signal_lookups, 1, memory_order_relaxed);
  if (r == 0) atomic_fetch_add_explicit(&mismatches, 1, memory_order_relaxed);
}

static void *worker(void *arg) {
  uint64_t seed = (uint64_t)(uintptr_t)arg;
  int refused = 0;
  for (uint64_t i = 0; i < span; i++) {
    /* Each thread walks the text in its own order (a stride coprime to most spans). */
    uint64_t a = lo + (seed * 104729 + i * 7) % span;
    int ok = check(a);
    /* Outside the text, "not here" stays the right answer. */
    int inside = a - lazy.text_start < lazy.text_len;
    atomic_fetch_add_explicit(&lookups, 1, memory_order_relaxed);
    if (ok == 0) atomic_fetch_add_explicit(&mismatches, 1, memory_order_relaxed);
    if (ok < 0 && !refused) {
      refused = 1;
      atomic_fetch_add_explicit(&refusals, 1, memory_order_relaxed);
    } else if (ok >= 0 && refused && inside) {
      atomic_fetch_add_explicit(&violations, 1, memory_order_relaxed);
    }
  }
  return NULL;
}

int main(int argc, char **argv) {
  if (argc != 5) {
    fprintf(stderr, "usage: table_threads TABLE SUMS THREADS ROUNDS\n");
    return 2;
  }
  size_t size = 0, sums_size = 0;
  void *table = slurp(argv[1], &size), *sums = slurp(argv[2], &sums_size);
  int threads = atoi(argv[3]);
  rounds = atoi(argv[4]);
  if (!table || !sums || threads < 1 || threads > 64) return 2;
  llgi_table_error err;
  have_whole = llgi_table_adopt(&whole, table, size, &err) == 0;
  int64_t need = llgi_table_adopt_lazy(&lazy, table, size, sums, sums_size, NULL, 0, &err);
  void *state = need > 0 ? aligned_alloc(8, ((size_t)need + 7) & ~(size_t)7) : NULL;
  if (!state || llgi_table_adopt_lazy(&lazy, table, size, sums, sums_size, state, (size_t)need, &err) != 0) {
    printf("rejected %s\n", need < 0 ? err.what : "no state");
    return 0;
  }
  /* Some addresses below and above the text too. */
  lo = lazy.text_start - 16;
  span = lazy.text_len + 32;
  sigset_t prof;
  sigemptyset(&prof);
  sigaddset(&prof, SIGPROF);

  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_prof;
  sa.sa_flags = SA_RESTART;
  sigaction(SIGPROF, &sa, NULL);
  struct itimerval it = {{0, 200}, {0, 200}};
  setitimer(ITIMER_PROF, &it, NULL);
  pthread_t tid[64];
  for (int r = 0; r < rounds; r++) {
    if (r) {
      /* A fresh adoption, out of the handler's sight (no worker runs now). */
      pthread_sigmask(SIG_BLOCK, &prof, NULL);
      llgi_table_adopt_lazy(&lazy, table, size, sums, sums_size, state, (size_t)need, &err);
      pthread_sigmask(SIG_UNBLOCK, &prof, NULL);
    }
    for (int i = 0; i < threads; i++) pthread_create(&tid[i], NULL, worker, (void *)(uintptr_t)(i + 1));
    for (int i = 0; i < threads; i++) pthread_join(tid[i], NULL);
  }
  struct itimerval off = {{0, 0}, {0, 0}};
  setitimer(ITIMER_PROF, &off, NULL);

  if (llgi_table_failure(&lazy, &err)) {
    printf("refused %s %llu %llu\n", err.what, (unsigned long long)violations, (unsigned long long)refusals);
  } else {
    printf("ok %llu %llu %llu\n", (unsigned long long)lookups, (unsigned long long)signal_lookups, (unsigned long long)mismatches);
  }
  free(state);
  free(table);
  free(sums);
  return 0;
}
