// crash.h: the addon functions over the fault handler (runtime/include/llgi_crash.h).
#ifndef LLGI_NATIVE_CRASH_H
#define LLGI_NATIVE_CRASH_H

#include <napi.h>

namespace llgi {

void InitCrash(Napi::Env env, Napi::Object exports);

}  // namespace llgi

#endif  // LLGI_NATIVE_CRASH_H
