// llgo.h: the addon function that builds an llgo module's table in memory.
#ifndef LLGI_NATIVE_LLGO_H
#define LLGI_NATIVE_LLGO_H

#include <napi.h>

namespace llgi {

void InitLlgo(Napi::Env env, Napi::Object exports);

}  // namespace llgi

#endif  // LLGI_NATIVE_LLGO_H
