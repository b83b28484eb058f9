// mprof.h: the heap profile's addon functions.
#ifndef LLGI_NATIVE_MPROF_H
#define LLGI_NATIVE_MPROF_H

#include <napi.h>

namespace llgi {

void InitMprof(Napi::Env env, Napi::Object exports);

}  // namespace llgi

#endif  // LLGI_NATIVE_MPROF_H
