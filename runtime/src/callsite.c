/*
 * callsite.c: call instructions and where they leave the return address
 * (faultctx.h), for x86-64 and aarch64. The instruction set only: every OS
 * shares this file.
 */
#include "faultctx.h"

#include "saferead.h"

int llgi_after_call(uintptr_t ret) {
#if defined(__x86_64__)
  /* call rel32, call *r/m with a register, memory or rip-relative operand */
  unsigned char c[7];
  if (!llgi_safe_read(ret - 7, c, sizeof c)) return 0;
  if (c[2] == 0xe8) return 1;                                   /* e8 rel32 */
  if (c[1] == 0xff && (c[2] & 0x38) == 0x10) return 1;          /* ff /2 disp32 (rip-relative) */
  if (c[5] == 0xff && (c[6] & 0xf8) == 0xd0) return 1;          /* ff d0+r */
  if (c[4] == 0xff && (c[5] & 0x38) == 0x10) return 1;          /* ff /2 with disp8 or SIB */
  if (c[3] == 0xff && (c[4] & 0x38) == 0x10) return 1;          /* ff /2 with SIB + disp8 */
  return 0;
#elif defined(__aarch64__)
  /* bl, blr */
  uint32_t insn;
  if (!llgi_safe_read(ret - 4, &insn, sizeof insn)) return 0;
  return (insn & 0xfc000000u) == 0x94000000u || (insn & 0xfffffc1fu) == 0xd63f0000u;
#else
#error "llgi crash handler: x86-64 and aarch64 only"
#endif
}

int llgi_frameless_return(const llgi_regs *r, uintptr_t *ret) {
#if defined(__aarch64__)
  *ret = r->lr; /* bl/blr left it in the link register */
  return 1;
#else
  /* The call pushed it: at [sp], unless fp == sp says a frame record is there. */
  return r->fp != r->sp && llgi_safe_read(r->sp, ret, sizeof *ret);
#endif
}
