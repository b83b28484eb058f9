// addon.cc: Node-API glue over the C runtime. Thin and mechanical: converts
// JS values to C calls and back; argument checking and user-facing errors
// live in lib/, table logic in runtime/.
#include <napi.h>

#include "build.h"
#include "crash.h"
#include "dwarf_line.h"
#include "dwarf_info.h"
#include "interpose.h"
#include "live.h"
#include "llgo.h"
#include "mprof.h"
#include "table.h"

namespace llgi {

void ThrowCoded(Napi::Env env, const char* code, const char* msg) {
  Napi::Error e = Napi::Error::New(env, msg);
  e.Set("code", Napi::String::New(env, code));
  e.ThrowAsJavaScriptException();
}

}  // namespace llgi

namespace {

// Bump with every change to the functions or data layouts lib/native.ts uses.
constexpr int kAbiVersion = 15;

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("Table", llgi::Table::Init(env));
  exports.Set("tableHeaderSize", Napi::Number::New(env, LLGI_TABLE_HEADER_SIZE));
  // lib/native.ts refuses an addon built from other sources (a stale build).
  exports.Set("abiVersion", Napi::Number::New(env, kAbiVersion));
  llgi::InitLive(env, exports);
  llgi::InitMprof(env, exports);
  llgi::InitInterpose(env, exports);
  llgi::InitLlgo(env, exports);
  llgi::InitCrash(env, exports);
  llgi::InitBuild(env, exports);
  llgi::InitDwarfLine(env, exports);
  llgi::InitDwarfInfo(env, exports);
  return exports;
}

}  // namespace

NODE_API_MODULE(llgi, Init)
