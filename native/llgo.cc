// llgo.cc: llgoTable(handle) -> Buffer | null over llgi_llgo_build
// (runtime/include/llgi_llgo.h). The table's memory is malloc'd by the
// runtime and freed when the Buffer is collected. llgoInitDone(handle) reads
// llgo's package-init guard.
#include "llgo.h"

#include <dlfcn.h>

#include <cstdlib>
#include <string>

#include "llgi_llgo.h"
#include "table.h"

namespace llgi {

namespace {

// llgoTable(handle: bigint) -> Buffer (an LLGI table, link-time addresses) |
// null when the module carries no llgo funcinfo table. Throws
// LLGI_LLGO_INVALID when llgo's tables are inconsistent.
Napi::Value LlgoTable(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  void* handle = HandleArg(info[0]);
  uint8_t* table = nullptr;
  size_t size = 0;
  const char* why = nullptr;
  int rc = llgi_llgo_build(handle, &table, &size, &why);
  if (rc == LLGI_LLGO_NOT_LLGO) return env.Null();
  if (rc == LLGI_LLGO_INVALID) {
    ThrowCoded(env, "LLGI_LLGO_INVALID", (std::string("llgo tables in memory: ") + why).c_str());
    return env.Undefined();
  }
  if (rc != LLGI_LLGO_BUILT) {
    ThrowCoded(env, "LLGI_NATIVE", "out of memory building an llgo module's table");
    return env.Undefined();
  }
  return Napi::Buffer<uint8_t>::New(env, table, size, [](Napi::Env, uint8_t* p) { std::free(p); });
}

// llgoInitDone(handle: bigint) -> boolean | null: whether llgo's package
// initialisation of a c-shared library has run (its main.init$guard, a
// one-byte bool the module defines, is set), or null without that guard.
Napi::Value LlgoInitDone(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto* guard = static_cast<const volatile uint8_t*>(dlsym(HandleArg(info[0]), "main.init$guard"));
  if (!guard) return env.Null();
  return Napi::Boolean::New(env, *guard != 0);
}

}  // namespace

void InitLlgo(Napi::Env env, Napi::Object exports) {
  exports.Set("llgoTable", Napi::Function::New(env, LlgoTable));
  exports.Set("llgoInitDone", Napi::Function::New(env, LlgoInitDone));
}

}  // namespace llgi
