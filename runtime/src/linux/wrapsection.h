/*
 * wrapsection.h (Linux): where the interposer's wrappers live (interpose.c).
 * Every wrapper goes into one section, so a report can tell a wrapper's
 * frame from the module's; the linker defines the section's bounds (ELF:
 * __start_ and __stop_ symbols for a section named as a C identifier).
 * Macros only: the wrappers' fast paths call nothing more for them.
 */
#ifndef LLGI_WRAPSECTION_H
#define LLGI_WRAPSECTION_H

#define LLGI_WRAP_SECTION __attribute__((section("llgi_wrap")))
extern const char __start_llgi_wrap[] __attribute__((visibility("hidden")));
extern const char __stop_llgi_wrap[] __attribute__((visibility("hidden")));
#define LLGI_WRAP_START __start_llgi_wrap
#define LLGI_WRAP_END __stop_llgi_wrap

#endif /* LLGI_WRAPSECTION_H */
