// interpose.h: allocation interposition on loaded modules' GOTs.
#ifndef LLGI_NATIVE_INTERPOSE_H
#define LLGI_NATIVE_INTERPOSE_H

#include <napi.h>

namespace llgi {

void InitInterpose(Napi::Env env, Napi::Object exports);

}  // namespace llgi

#endif  // LLGI_NATIVE_INTERPOSE_H
