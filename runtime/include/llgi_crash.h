/*
 * llgi_crash.h: the in-process fault handler (docs/crash.md).
 *
 * For a fatal signal whose stack touches a registered module
 * (llgi_registry.h), the handler walks the faulting thread's frame-pointer
 * chain from the signal's context, writes a Go-style traceback (gc's layout:
 * `function(...)` then `\tfile:line +0xoff`, inlined frames included, frames
 * outside registered modules as `?? path+0xoff`) and, when asked, a JSON
 * crash record with each frame's raw pc, module path, build-id and offset.
 * Then it puts back the dispositions it found at install and lets the signal
 * take its course: a fault re-executes and meets the previous handler (or the
 * default action) with its own context; a sent signal (abort(), kill) is
 * raised again. The process dies with the same signal and status as without
 * it. A signal whose stack touches no registered module goes straight to the
 * previous handler, with nothing written; so does one whose stack touches
 * the module that installed the previous handler (a Go runtime, llgo's or
 * gc's, that turns its own faults into panics its program may recover).
 *
 * The handler allocates nothing, takes no lock and calls only
 * async-signal-safe functions (write, open, read, close, nanosleep,
 * sigaction; on Linux process_vm_readv, gettid, tgkill). Every read of the
 * crashed thread's memory is one that cannot fault (saferead.h; Linux:
 * process_vm_readv, or where that is missing, as under qemu-user, a copy
 * checked against /proc/self/maps). Module paths come from the mappings
 * (procmaps.h), build-ids from the mapped image's headers (membuildid.h).
 * x86-64 and aarch64.
 */
#ifndef LLGI_CRASH_H
#define LLGI_CRASH_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Innermost and outermost frames written (gc 1.26: the first 50, "...N frames elided...", the last 50). */
#define LLGI_CRASH_INNER 50
#define LLGI_CRASH_OUTER 50

typedef struct llgi_crash_options {
  int fd;                  /* where the traceback goes (2: stderr); -1: nowhere */
  const char *record_path; /* the JSON crash record's file (created or truncated at a crash); NULL: none */
  uint32_t signals;        /* bit n set: handle signal n (SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGTRAP, SIGABRT only) */
} llgi_crash_options;

/*
 * Installs (or re-installs with new options) the handler for `signals`, on an
 * alternate signal stack for the calling thread, remembering the
 * dispositions it replaces (a re-install keeps the first ones). Returns 0,
 * or -errno (EINVAL: a signal outside the six, or a record path of 4096
 * bytes or more). Not async-signal-safe; serialise calls with
 * llgi_crash_uninstall.
 */
int llgi_crash_install(const llgi_crash_options *opts);

/* Puts back the dispositions the install replaced. Same rules. */
void llgi_crash_uninstall(void);

/*
 * Gives the calling thread an alternate signal stack (mmap'd, kept until the
 * process ends), so that a stack overflow on it can be reported. Threads
 * without one die of an overflow without a traceback, as before. Returns 0
 * or -errno. Thread-safe; not async-signal-safe.
 */
int llgi_crash_thread_init(void);

#ifdef __cplusplus
}
#endif

#endif /* LLGI_CRASH_H */
