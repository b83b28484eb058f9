/*
 * The fault handler without Node (test/crash-arch.test.ts): the program
 * registers its own text, installs llgi_crash_install with a record file,
 * and dies three calls deep (argv[2] "null": a null store in a leaf without
 * a frame; "abort": abort() from a function that keeps one). Built for
 * x86-64 and for aarch64, where it runs under qemu-user (no
 * process_vm_readv there: the handler's checked copies are what read).
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "llgi_crash.h"
#include "self_text.h"

#define NOINLINE __attribute__((noinline))
#define BARRIER() __asm__ __volatile__("" ::: "memory")

volatile int *probe_target;

NOINLINE void probe_leaf(int x) {
  *probe_target = x; /* @probe:store */
}

NOINLINE void probe_aborting(int x) {
  if (x) abort(); /* @probe:abort */
  BARRIER();
}

NOINLINE void probe_middle(int x, int how) {
  if (how) probe_aborting(x + 1); /* @probe:call-aborting */
  else probe_leaf(x + 1);         /* @probe:call-leaf */
  BARRIER();
}

NOINLINE void probe_outer(int x, int how) {
  probe_middle(x + 1, how); /* @probe:call-middle */
  BARRIER();
}

int main(int argc, char **argv) {
  if (argc < 3) return 2;
  int done = self_text_register() != 0;
  llgi_crash_options o = {.fd = 2, .record_path = argv[1], .signals = (1u << SIGSEGV) | (1u << SIGABRT)};
  if (!done || llgi_crash_install(&o) != 0) return 3;
  probe_outer(argc, strcmp(argv[2], "abort") == 0); /* @probe:call-outer */
  BARRIER();
  return 0;
}
