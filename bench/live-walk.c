/*
 * Stack capture cost at fixed depths: our frame-pointer walk vs glibc
 * backtrace() and, when built with -DWITH_LIBUNWIND (-lunwind), libunwind's
 * unw_backtrace(). Every method runs on the same recursion, at the same depths,
 * with the same iteration counts; rounds interleave the methods so that load
 * on the shared machine hits them alike, and the best round counts.
 *
 * Depth d = frames from the capturing function up to main, inclusive. Ours
 * returns exactly those (it stops at main's caller, outside registered text);
 * backtrace() and unw_backtrace() go on into libc's start-up frames.
 *
 * A reference method, raw-fp, is the same walk with the registry lookup
 * replaced by two compares against this executable's text: the floor a
 * frame-pointer walk can reach here.
 *
 * Output, one line per method and depth:
 *   walk <method> <depth> <frames returned> <best ns per capture> <pcs equal to ours>
 * where the last field counts pcs equal to ours after the first one (each
 * method's first pc is the return address of its own call in measure()).
 */
#define _GNU_SOURCE
#include <execinfo.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include "llgi_registry.h"
#include "llgi_walk.h"
#ifdef WITH_LIBUNWIND
#define UNW_LOCAL_ONLY
#include <libunwind.h>
#endif

#define ITERS 20000
#define ROUNDS 5
#define MAXPCS 256

enum { OURS, RAW, GLIBC, LIBUNWIND, NMETHODS };
static const char *const method_names[] = {"ours", "raw-fp", "glibc-backtrace", "libunwind"};
#ifdef WITH_LIBUNWIND
static const int nmethods = NMETHODS;
#else
static const int nmethods = LIBUNWIND;
#endif
static const int depths[] = {8, 32, 128};
#define NDEPTHS ((int)(sizeof depths / sizeof depths[0]))

/* Linker-defined bounds of this executable's text (runtime addresses under PIE). */
extern const char __executable_start[], etext[];

static uintptr_t text_lo, text_hi, stack_lo, stack_hi;

static __attribute__((noinline)) int raw_walk(uintptr_t *pcs, int max) {
  uintptr_t fp = (uintptr_t)__builtin_frame_address(0);
  int n = 0;
  while (n < max) {
    if (fp < stack_lo || fp >= stack_hi - 16 || (fp & 7)) break;
    uintptr_t next = ((uintptr_t *)fp)[0], ret = ((uintptr_t *)fp)[1];
    if (ret < text_lo || ret >= text_hi) break;
    pcs[n++] = ret;
    if (next <= fp || next - fp > LLGI_WALK_MAX_STEP) break;
    fp = next;
  }
  return n;
}

static volatile uintptr_t sink;
/* Last capture of each method, to compare against ours. */
static uintptr_t last[NMETHODS][MAXPCS];
static int last_n[NMETHODS];

static double now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e9 + ts.tv_nsec;
}

/* The capturing function: the first frame every method reports. */
static __attribute__((noinline)) double measure(int method) {
  void *buf[MAXPCS];
  uintptr_t pcs[MAXPCS];
  int n = 0;
  double t0 = now_ns();
  switch (method) {
  case OURS:
    for (int i = 0; i < ITERS; i++) n = llgi_rt_callers(0, pcs, MAXPCS);
    break;
  case RAW:
    for (int i = 0; i < ITERS; i++) n = raw_walk(pcs, MAXPCS);
    break;
  case GLIBC:
    for (int i = 0; i < ITERS; i++) n = backtrace(buf, MAXPCS);
    break;
#ifdef WITH_LIBUNWIND
  case LIBUNWIND:
    for (int i = 0; i < ITERS; i++) n = unw_backtrace(buf, MAXPCS);
    break;
#endif
  }
  double t = (now_ns() - t0) / ITERS;
  for (int i = 0; i < n; i++) last[method][i] = method <= RAW ? pcs[i] : (uintptr_t)buf[i];
  last_n[method] = n;
  sink += n;
  return t;
}

static __attribute__((noinline)) double rec(int depth, int method) {
  if (depth == 0) return measure(method);
  double t = rec(depth - 1, method);
  sink++; /* work after the call: the frame must stay even if sibling calls were allowed */
  return t;
}

int main(void) {
  text_lo = (uintptr_t)__executable_start;
  text_hi = (uintptr_t)etext;
  pthread_attr_t attr;
  void *stack;
  size_t size;
  pthread_getattr_np(pthread_self(), &attr);
  pthread_attr_getstack(&attr, &stack, &size);
  stack_lo = (uintptr_t)stack;
  stack_hi = stack_lo + size;
  if (llgi_registry_add(text_lo, text_hi, 0, NULL, 1) < 0) {
    fprintf(stderr, "registry_add failed\n");
    return 1;
  }
  llgi_walk_prepare_thread();
  double best[NDEPTHS][NMETHODS];
  int frames[NDEPTHS][NMETHODS], same[NDEPTHS][NMETHODS];
  /* Round 0 warms up (backtrace() dlopens libgcc_s, libunwind fills its caches) and is not counted. */
  for (int r = 0; r <= ROUNDS; r++) {
    for (int d = 0; d < NDEPTHS; d++) {
      for (int m = 0; m < nmethods; m++) {
        /* main and measure are two of the d frames; rec(k) adds k + 1. */
        double t = rec(depths[d] - 3, m);
        if (r == 1 || (r > 1 && t < best[d][m])) best[d][m] = t;
        frames[d][m] = last_n[m];
      }
      for (int m = 0; m < nmethods; m++) {
        int k = 1;
        while (k < last_n[m] && k < last_n[OURS] && last[m][k] == last[OURS][k]) k++;
        same[d][m] = k - 1;
      }
    }
  }
  for (int d = 0; d < NDEPTHS; d++)
    for (int m = 0; m < nmethods; m++)
      printf("walk %s %d %d %.1f %d\n", method_names[m], depths[d], frames[d][m], best[d][m], same[d][m]);
  return 0;
}
