// mprof.cc: the heap profile's controls and records (runtime/src/mprof.c).
#include "mprof.h"

#include "table.h"

#include <vector>

extern "C" {
#include "llgi_mprof.h"
}

namespace llgi {
namespace {

Napi::Value SetRate(const Napi::CallbackInfo& info) {
  llgi_mprof_set_rate(static_cast<int64_t>(info[0].As<Napi::Number>().Int64Value()));
  return info.Env().Undefined();
}

Napi::Value Rate(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), static_cast<double>(llgi_mprof_rate()));
}

Napi::Value Seed(const Napi::CallbackInfo& info) {
  llgi_mprof_seed(BigIntArg(info[0]));
  return info.Env().Undefined();
}

Napi::Value Gc(const Napi::CallbackInfo& info) {
  llgi_mprof_gc();
  return info.Env().Undefined();
}

Napi::Value Reset(const Napi::CallbackInfo& info) {
  llgi_mprof_reset();
  return info.Env().Undefined();
}

// read(inuseZero) -> {counts: Float64Array (allocs, frees, allocBytes, freeBytes, size per record),
//                     stacks: BigUint64Array (pcs back to back), ends: Uint32Array}
// Retries with a larger buffer until every record fits, as runtime/pprof does.
Napi::Value Read(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  bool inuse_zero = info[0].ToBoolean().Value();
  std::vector<llgi_mprof_record> recs;
  size_t n = llgi_mprof_read(nullptr, 0, inuse_zero);
  for (;;) {
    recs.resize(n + 50);
    n = llgi_mprof_read(recs.data(), recs.size(), inuse_zero);
    if (n <= recs.size()) break;
  }
  size_t total = 0;
  for (size_t i = 0; i < n; i++) total += recs[i].nstk;
  Napi::Float64Array counts = Napi::Float64Array::New(env, n * 5);
  Napi::BigUint64Array stacks = Napi::BigUint64Array::New(env, total);
  Napi::Uint32Array ends = Napi::Uint32Array::New(env, n);
  size_t k = 0;
  for (size_t i = 0; i < n; i++) {
    const llgi_mprof_record& r = recs[i];
    counts[i * 5] = static_cast<double>(r.allocs);
    counts[i * 5 + 1] = static_cast<double>(r.frees);
    counts[i * 5 + 2] = static_cast<double>(r.alloc_bytes);
    counts[i * 5 + 3] = static_cast<double>(r.free_bytes);
    counts[i * 5 + 4] = static_cast<double>(r.size);
    for (uint32_t j = 0; j < r.nstk; j++) stacks[k++] = r.stk[j];
    ends[i] = static_cast<uint32_t>(k);
  }
  Napi::Object o = Napi::Object::New(env);
  o.Set("counts", counts);
  o.Set("stacks", stacks);
  o.Set("ends", ends);
  return o;
}

}  // namespace

void InitMprof(Napi::Env env, Napi::Object exports) {
  exports.Set("mprofSetRate", Napi::Function::New(env, SetRate));
  exports.Set("mprofRate", Napi::Function::New(env, Rate));
  exports.Set("mprofSeed", Napi::Function::New(env, Seed));
  exports.Set("mprofGc", Napi::Function::New(env, Gc));
  exports.Set("mprofReset", Napi::Function::New(env, Reset));
  exports.Set("mprofRead", Napi::Function::New(env, Read));
}

}  // namespace llgi
