// interpose.cc: interpose/restore of a loaded module's allocation GOT slots
// (runtime/src/interpose.c). One state per dlopen handle, process-wide (the
// addon is loaded once per process, so every worker shares the map):
// interposing an interposed module changes nothing, restore puts it back.
#include "interpose.h"

#include <map>
#include <memory>
#include <mutex>

#include "table.h"

extern "C" {
#include "llgi_image.h"
#include "llgi_interpose.h"
}

namespace llgi {
namespace {

// Guards g_states (the C runtime serialises the patching itself).
std::mutex g_mutex;
std::map<uint64_t, std::unique_ptr<llgi_interpose_state>> g_states;

Napi::Object Describe(Napi::Env env, const llgi_interpose_state& st) {
  Napi::Array slots = Napi::Array::New(env, st.nslots);
  for (uint32_t i = 0; i < st.nslots; i++) {
    const llgi_interpose_slot& s = st.slots[i];
    Napi::Object o = Napi::Object::New(env);
    o.Set("symbol", Napi::String::New(env, llgi_interpose_symbol(s.sym)));
    o.Set("kind", Napi::String::New(env, llgi_interpose_kind_name(s.kind)));
    o.Set("addr", Napi::BigInt::New(env, static_cast<uint64_t>(s.addr)));
    o.Set("original", Napi::BigInt::New(env, static_cast<uint64_t>(s.orig)));
    o.Set("wrapper", Napi::BigInt::New(env, static_cast<uint64_t>(llgi_interpose_wrapper(s.sym))));
    o.Set("relro", Napi::Boolean::New(env, s.relro != 0));
    o.Set("gated", Napi::Boolean::New(env, s.gated != 0));
    slots.Set(i, o);
  }
  Napi::Object r = Napi::Object::New(env);
  r.Set("patched", Napi::Number::New(env, st.nslots));
  r.Set("skipped", Napi::Number::New(env, st.skipped));
  r.Set("slots", slots);
  return r;
}

// interpose(handle) -> {patched, skipped, slots: [{symbol, kind, addr, original, wrapper, relro, gated}]}.
Napi::Value Interpose(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  uint64_t key = BigIntArg(info[0]);
  llgi_image im;
  if (!llgi_image_of_handle(reinterpret_cast<void*>(static_cast<uintptr_t>(key)), &im)) {
    ThrowCoded(env, "LLGI_BAD_ARGUMENT", "interpose: not a loaded module handle");
    return env.Undefined();
  }
  std::lock_guard<std::mutex> lock(g_mutex);
  auto& st = g_states[key];
  if (!st) st = std::make_unique<llgi_interpose_state>();  // value-initialised: zeroed
  int r = llgi_interpose_patch(im.base, im.dynamic, st.get());
  if (r == LLGI_INTERPOSE_EBUSY) {
    // The state is another module's: dlopen handles name loaded objects, so
    // that one was closed without a restore and its slots are gone with it
    // (the restore only takes them off the free gate: their pages are gone).
    llgi_interpose_restore(st.get());
    *st = llgi_interpose_state{};
    r = llgi_interpose_patch(im.base, im.dynamic, st.get());
  }
  if (r < 0) {
    if (!st->active) g_states.erase(key);
    ThrowCoded(env, "LLGI_LOAD_FAILED",
               r == LLGI_INTERPOSE_EPROT ? "interpose: mprotect refused to make a GOT page writable"
                                         : "interpose: the module's dynamic section is unusable");
    return env.Undefined();
  }
  return Describe(env, *st);
}

// restore(handle) -> number of slots written back (0 when not interposed).
Napi::Value Restore(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  uint64_t key = BigIntArg(info[0]);
  std::lock_guard<std::mutex> lock(g_mutex);
  auto it = g_states.find(key);
  if (it == g_states.end()) return Napi::Number::New(env, 0);
  int r = llgi_interpose_restore(it->second.get());
  if (r < 0) {
    ThrowCoded(env, "LLGI_LOAD_FAILED", "restore: mprotect refused to make a GOT page writable (the slots stay interposed)");
    return env.Undefined();
  }
  g_states.erase(it);
  return Napi::Number::New(env, r);
}

}  // namespace

void ForgetInterposition(void* handle) {
  std::lock_guard<std::mutex> lock(g_mutex);
  auto it = g_states.find(static_cast<uint64_t>(reinterpret_cast<uintptr_t>(handle)));
  if (it == g_states.end()) return;
  // A slot on a page mprotect refuses stays as it is; the image goes anyway.
  llgi_interpose_restore(it->second.get());
  g_states.erase(it);
}

void InitInterpose(Napi::Env env, Napi::Object exports) {
  exports.Set("interpose", Napi::Function::New(env, Interpose));
  exports.Set("restore", Napi::Function::New(env, Restore));
}

}  // namespace llgi
