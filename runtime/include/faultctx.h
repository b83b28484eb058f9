/*
 * faultctx.h: what the fault handler (crash.c) needs of the processor.
 *
 * - llgi_fault_regs reads the registers a signal interrupted out of the
 *   handler's context: the OS's and the architecture's layout of ucontext_t
 *   (Linux, x86-64 and aarch64: runtime/src/linux/faultctx.c).
 * - llgi_after_call and llgi_frameless_return know the instruction set
 *   only, so every OS shares them (x86-64 and aarch64: callsite.c).
 *
 * All three are async-signal-safe, thread-safe, allocation- and lock-free;
 * memory of the crashed thread is read only with llgi_safe_read.
 */
#ifndef LLGI_FAULTCTX_H
#define LLGI_FAULTCTX_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The registers a walk from a fault starts with. */
typedef struct llgi_regs {
  uintptr_t pc, fp, sp;
  uintptr_t lr; /* the link register (aarch64's x30); 0 where calls push the return address (x86-64) */
} llgi_regs;

/* Fills *r from the third argument of an SA_SIGINFO handler. */
void llgi_fault_regs(const void *ucontext, llgi_regs *r);

/* 1 when the instruction that ends right before `ret` is a call (so `ret`
 * can be a return address); 0 when not, or when those bytes are unreadable. */
int llgi_after_call(uintptr_t ret);

/* For a fault in a function that has not set up its frame record: sets *ret
 * to where its caller's return address would be (the link register, or the
 * word at sp) and returns 1; 0 when there is no such candidate. */
int llgi_frameless_return(const llgi_regs *r, uintptr_t *ret);

#ifdef __cplusplus
}
#endif

#endif /* LLGI_FAULTCTX_H */
