// build.h: the addon function that builds a binary's table (llgi_build.h).
#ifndef LLGI_NATIVE_BUILD_H
#define LLGI_NATIVE_BUILD_H

#include <napi.h>

namespace llgi {

void InitBuild(Napi::Env env, Napi::Object exports);

}  // namespace llgi

#endif  // LLGI_NATIVE_BUILD_H
