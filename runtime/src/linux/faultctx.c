/*
 * faultctx.c (Linux): the interrupted registers from a signal handler's
 * ucontext_t (faultctx.h), on x86-64 and aarch64: the one place that knows
 * their layout.
 */
#define _GNU_SOURCE
#include "faultctx.h"

#include <ucontext.h>

void llgi_fault_regs(const void *ucontext, llgi_regs *r) {
  const ucontext_t *uc = ucontext;
#if defined(__x86_64__)
  r->pc = (uintptr_t)uc->uc_mcontext.gregs[REG_RIP];
  r->fp = (uintptr_t)uc->uc_mcontext.gregs[REG_RBP];
  r->sp = (uintptr_t)uc->uc_mcontext.gregs[REG_RSP];
  r->lr = 0;
#elif defined(__aarch64__)
  r->pc = (uintptr_t)uc->uc_mcontext.pc;
  r->fp = (uintptr_t)uc->uc_mcontext.regs[29];
  r->sp = (uintptr_t)uc->uc_mcontext.sp;
  r->lr = (uintptr_t)uc->uc_mcontext.regs[30];
#else
#error "llgi crash handler: x86-64 and aarch64 only"
#endif
}
