// crash.cc: crashInstall(fd, recordPath | null, signalMask) and
// crashUninstall() over llgi_crash_install (runtime/include/llgi_crash.h).
// Arguments are checked in lib/crash.ts.
#include "crash.h"

#include <cstring>
#include <string>

#include "llgi_crash.h"

namespace llgi {

void ThrowCoded(Napi::Env env, const char* code, const char* msg);

namespace {

Napi::Value CrashInstall(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string record = info[1].IsString() ? info[1].As<Napi::String>().Utf8Value() : std::string();
  llgi_crash_options o;
  o.fd = info[0].As<Napi::Number>().Int32Value();
  o.record_path = info[1].IsString() ? record.c_str() : nullptr;
  o.signals = info[2].As<Napi::Number>().Uint32Value();
  int rc = llgi_crash_install(&o);
  if (rc != 0) ThrowCoded(env, rc == -EINVAL ? "LLGI_BAD_ARGUMENT" : "LLGI_NATIVE", (std::string("installing the crash handler: ") + std::strerror(-rc)).c_str());
  return env.Undefined();
}

Napi::Value CrashUninstall(const Napi::CallbackInfo& info) {
  llgi_crash_uninstall();
  return info.Env().Undefined();
}

}  // namespace

void InitCrash(Napi::Env env, Napi::Object exports) {
  exports.Set("crashInstall", Napi::Function::New(env, CrashInstall));
  exports.Set("crashUninstall", Napi::Function::New(env, CrashUninstall));
}

}  // namespace llgi
