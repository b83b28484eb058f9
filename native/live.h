// live.h: loading modules into the process, registering their text, filling
// their hook tables, and per-thread traces.
#ifndef LLGI_NATIVE_LIVE_H
#define LLGI_NATIVE_LIVE_H

#include <napi.h>

namespace llgi {

void InitLive(Napi::Env env, Napi::Object exports);

}  // namespace llgi

#endif  // LLGI_NATIVE_LIVE_H
