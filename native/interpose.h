// interpose.h: allocation interposition on loaded modules' GOTs.
#ifndef LLGI_NATIVE_INTERPOSE_H
#define LLGI_NATIVE_INTERPOSE_H

#include <napi.h>

namespace llgi {

void InitInterpose(Napi::Env env, Napi::Object exports);

// Restores and forgets the interposition of the module behind dlopen handle
// `handle`, if any: called before its last dlclose (live.cc).
void ForgetInterposition(void* handle);

}  // namespace llgi

#endif  // LLGI_NATIVE_INTERPOSE_H
