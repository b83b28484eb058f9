// live.cc: dlopen/dlclose, text ranges from the loaded image's program
// headers, the registry, hook tables, and trace buffers.
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "live.h"

#include <dlfcn.h>
#include <elf.h>
#include <link.h>

#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "interpose.h"
#include "table.h"

extern "C" {
#include "llgi_embed.h"
#include "llgi_embed_elf.h"
#include "llgi_hooks.h"
#include "llgi_mprof.h"
#include "llgi_registry.h"
#include "llgi_trace.h"
#include "llgi_walk.h"
}

namespace llgi {
namespace {

// What dl_iterate_phdr tells about one loaded object.
struct Image {
  uintptr_t base = 0;
  const char* name = nullptr;
  std::vector<uint64_t> ranges;  // executable PT_LOADs: lo, hi, lo, hi, ...
  std::string build_id;          // lower-case hex, empty when absent
  bool found = false;
  const uint8_t* embed_desc = nullptr;  // the "LLGI.table" note's descriptor (llgi_embed.h), if any
  size_t embed_size = 0;
};

int FindImage(struct dl_phdr_info* info, size_t, void* data) {
  Image* img = static_cast<Image*>(data);
  if (info->dlpi_addr != img->base || std::strcmp(info->dlpi_name, img->name) != 0) return 0;
  img->found = true;
  if (!llgi_embed_find(info->dlpi_addr, info->dlpi_phdr, info->dlpi_phnum, &img->embed_desc, &img->embed_size)) img->embed_desc = nullptr;
  for (int i = 0; i < info->dlpi_phnum; i++) {
    const ElfW(Phdr)& ph = info->dlpi_phdr[i];
    if (ph.p_type == PT_LOAD && (ph.p_flags & PF_X)) {
      img->ranges.push_back(info->dlpi_addr + ph.p_vaddr);
      img->ranges.push_back(info->dlpi_addr + ph.p_vaddr + ph.p_memsz);
    }
    if (ph.p_type == PT_NOTE && img->build_id.empty()) {
      // Notes: {namesz, descsz, type, name (4-aligned), desc (4-aligned)}.
      const unsigned char* p = reinterpret_cast<const unsigned char*>(info->dlpi_addr + ph.p_vaddr);
      const unsigned char* end = p + ph.p_memsz;
      size_t align = ph.p_align > 4 ? ph.p_align : 4;
      while (p + 12 <= end) {
        uint32_t namesz, descsz, type;
        std::memcpy(&namesz, p, 4);
        std::memcpy(&descsz, p + 4, 4);
        std::memcpy(&type, p + 8, 4);
        const unsigned char* name = p + 12;
        const unsigned char* desc = name + ((namesz + align - 1) & ~(align - 1));
        if (desc + descsz > end) break;
        if (type == NT_GNU_BUILD_ID && namesz == 4 && std::memcmp(name, "GNU", 4) == 0) {
          static const char hex[] = "0123456789abcdef";
          for (uint32_t k = 0; k < descsz; k++) {
            img->build_id += hex[desc[k] >> 4];
            img->build_id += hex[desc[k] & 15];
          }
          break;
        }
        p = desc + ((descsz + align - 1) & ~(align - 1));
      }
    }
  }
  return 1;
}

// dlopen references taken by Dlopen, per handle. The last one's Dlclose
// restores the module's interposition first: its GOT slots go with the image,
// and the sampler's free gate writes them until they are restored.
std::mutex g_opens_mu;
std::map<void*, long> g_opens;

// dlopen(path) -> {handle, base, ranges: BigUint64Array, buildId, name,
//   embedded: Buffer | null, embeddedSums: Buffer | null, embeddedError: string | null}.
// RTLD_NOW: an unresolvable symbol fails here, never later in a call.
// `embedded` is the table in the image's "LLGI.table" note (llgi_embed.h),
// and `embeddedSums` the checksum index after it, if any; neither validated
// yet: external Buffers over the mapped, read-only image (zero-copy), valid
// until the image's last dlclose. lib/ adopts them (at first use with an
// index, else whole) and copies them before it closes the module.
Napi::Value Dlopen(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string path = info[0].As<Napi::String>().Utf8Value();
  void* h = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!h) {
    const char* e = dlerror();
    ThrowCoded(env, "LLGI_LOAD_FAILED", e ? e : "dlopen failed");
    return env.Undefined();
  }
  struct link_map* lm = nullptr;
  if (dlinfo(h, RTLD_DI_LINKMAP, &lm) != 0 || !lm) {
    dlclose(h);
    ThrowCoded(env, "LLGI_LOAD_FAILED", "dlinfo(RTLD_DI_LINKMAP) failed");
    return env.Undefined();
  }
  Image img;
  img.base = lm->l_addr;
  img.name = lm->l_name;
  dl_iterate_phdr(FindImage, &img);
  if (!img.found || img.ranges.empty()) {
    dlclose(h);
    ThrowCoded(env, "LLGI_LOAD_FAILED", "the loaded image has no executable segment");
    return env.Undefined();
  }
  {
    std::lock_guard<std::mutex> lock(g_opens_mu);
    g_opens[h]++;
  }
  Napi::Object o = Napi::Object::New(env);
  o.Set("handle", Napi::BigInt::New(env, static_cast<uint64_t>(reinterpret_cast<uintptr_t>(h))));
  o.Set("base", Napi::BigInt::New(env, static_cast<uint64_t>(img.base)));
  Napi::BigUint64Array ranges = Napi::BigUint64Array::New(env, img.ranges.size());
  for (size_t i = 0; i < img.ranges.size(); i++) ranges[i] = img.ranges[i];
  o.Set("ranges", ranges);
  o.Set("buildId", img.build_id.empty() ? env.Null() : Napi::String::New(env, img.build_id));
  o.Set("name", Napi::String::New(env, lm->l_name));
  const void* table = nullptr;
  size_t table_size = 0;
  llgi_table_error err{};
  int e = img.embed_desc ? llgi_embed_table(img.embed_desc, img.embed_size, &table, &table_size, &err) : 0;
  const void* sums = nullptr;
  size_t sums_size = 0;
  int s = e == 1 ? llgi_embed_sums(img.embed_desc, img.embed_size, table_size, &sums, &sums_size, &err) : 0;
  if (s < 0) e = -1;
  auto mapped = [&](const void* p, size_t n) {
    return Napi::Buffer<uint8_t>::New(env, static_cast<uint8_t*>(const_cast<void*>(p)), n).As<Napi::Value>();
  };
  o.Set("embedded", e == 1 ? mapped(table, table_size) : env.Null());
  o.Set("embeddedSums", e == 1 && s == 1 ? mapped(sums, sums_size) : env.Null());
  o.Set("embeddedError", e < 0 ? Napi::String::New(env, std::string(err.what) + " (at byte " + std::to_string(err.offset) + " of the note descriptor)").As<Napi::Value>()
                               : env.Null());
  return o;
}

Napi::Value Dlclose(const Napi::CallbackInfo& info) {
  void* h = HandleArg(info[0]);
  {
    std::lock_guard<std::mutex> lock(g_opens_mu);
    auto it = g_opens.find(h);
    if (it != g_opens.end() && --it->second == 0) {
      g_opens.erase(it);
      ForgetInterposition(h);
    }
  }
  return Napi::Boolean::New(info.Env(), dlclose(h) == 0);
}

// dlsym(handle, name) -> bigint | null.
Napi::Value Dlsym(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  void* p = dlsym(HandleArg(info[0]), info[1].As<Napi::String>().Utf8Value().c_str());
  return p ? Napi::BigInt::New(env, static_cast<uint64_t>(reinterpret_cast<uintptr_t>(p))).As<Napi::Value>() : env.Null();
}

// callInt(address: bigint, args: BigInt64Array) -> bigint. Calls a function
// taking up to six integer or pointer arguments and returning one, on THIS
// thread's stack: unlike koffi, which switches to a stack of its own, so a
// module whose runtime scans the stack (the Boehm GC) sees a normal stack.
// SysV x86-64 and AAPCS64 pass these in registers, so extra arguments are
// ignored by a callee that takes fewer.
Napi::Value CallInt(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto fn = reinterpret_cast<int64_t (*)(int64_t, int64_t, int64_t, int64_t, int64_t, int64_t)>(
      static_cast<uintptr_t>(BigIntArg(info[0])));
  auto args = info[1].As<Napi::BigInt64Array>();
  int64_t a[6] = {0, 0, 0, 0, 0, 0};
  for (size_t i = 0; i < args.ElementLength() && i < 6; i++) a[i] = args[i];
  return Napi::BigInt::New(env, fn(a[0], a[1], a[2], a[3], a[4], a[5]));
}

// The module's own hook table: dlsym also searches its dependencies, so the
// symbol must lie inside this image (dladdr names the object it is in).
struct llgi_hooks* HooksOf(void* handle, uintptr_t base) {
  void* p = dlsym(handle, "llgi_hooks");
  Dl_info di;
  if (!p || !dladdr(p, &di) || reinterpret_cast<uintptr_t>(di.dli_fbase) == 0) return nullptr;
  struct link_map* lm = nullptr;
  if (dlinfo(handle, RTLD_DI_LINKMAP, &lm) != 0 || !lm || lm->l_addr != base) return nullptr;
  if (std::strcmp(di.dli_fname, lm->l_name) != 0) return nullptr;
  auto* h = static_cast<struct llgi_hooks*>(p);
  if (h->magic != LLGI_HOOKS_MAGIC || h->version != LLGI_HOOKS_VERSION || h->size < sizeof(struct llgi_hooks)) return nullptr;
  return h;
}

// Every JS context (main thread, each worker) registers a module it loads;
// the hook table is process-wide, so it is emptied only when the last
// registration of that image goes away.
std::mutex g_hook_mutex;
std::map<struct llgi_hooks*, int> g_hook_refs;

// register(handle, base, ranges, table: Table, moduleId) -> {slots: number[], hooks: boolean}.
Napi::Value Register(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  void* handle = HandleArg(info[0]);
  uint64_t base = BigIntArg(info[1]);
  auto ranges = info[2].As<Napi::BigUint64Array>();
  const llgi_table* table = Table::Unwrap(info[3].As<Napi::Object>())->table();
  uint32_t id = info[4].As<Napi::Number>().Uint32Value();
  Napi::Array slots = Napi::Array::New(env);
  for (size_t i = 0; i + 1 < ranges.ElementLength(); i += 2) {
    int s = llgi_registry_add(ranges[i], ranges[i + 1], base, table, id);
    if (s < 0) {
      for (uint32_t k = 0; k < slots.Length(); k++) llgi_registry_remove(slots.Get(k).As<Napi::Number>().Int32Value());
      ThrowCoded(env, "LLGI_LOAD_FAILED", "the module registry is full");
      return env.Undefined();
    }
    slots.Set(slots.Length(), Napi::Number::New(env, s));
  }
  struct llgi_hooks* hooks = HooksOf(handle, base);
  if (hooks) {
    std::lock_guard<std::mutex> lock(g_hook_mutex);
    g_hook_refs[hooks]++;
    hooks->callers = llgi_rt_callers;
    hooks->probe = llgi_rt_probe;
    hooks->alloc = llgi_rt_alloc;
    hooks->free = llgi_rt_free;
  }
  Napi::Object o = Napi::Object::New(env);
  o.Set("slots", slots);
  o.Set("hooks", Napi::Boolean::New(env, hooks != nullptr));
  return o;
}

// unregister(handle, base, slots): releases the hook table (emptied with its
// last registration), then the slots.
Napi::Value Unregister(const Napi::CallbackInfo& info) {
  if (struct llgi_hooks* hooks = HooksOf(HandleArg(info[0]), BigIntArg(info[1]))) {
    std::lock_guard<std::mutex> lock(g_hook_mutex);
    if (--g_hook_refs[hooks] <= 0) {
      g_hook_refs.erase(hooks);
      hooks->callers = nullptr;
      hooks->probe = nullptr;
      hooks->alloc = nullptr;
      hooks->free = nullptr;
    }
  }
  Napi::Array slots = info[2].As<Napi::Array>();
  for (uint32_t k = 0; k < slots.Length(); k++) llgi_registry_remove(slots.Get(k).As<Napi::Number>().Int32Value());
  return info.Env().Undefined();
}

// A trace and the buffers it owns; freed by traceEnd or by the GC.
struct TraceBox {
  llgi_trace t{};
  bool active = false;
  ~TraceBox() {
    std::free(t.pcs);
    std::free(t.ends);
  }
};

// traceBegin(maxPcs, maxStacks, maxDepth) -> External. Buffers are malloc'd
// (untouched pages cost nothing), never grown during the trace.
Napi::Value TraceBegin(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto* box = new TraceBox();
  box->t.cap_pcs = info[0].As<Napi::Number>().Uint32Value();
  box->t.cap_stacks = info[1].As<Napi::Number>().Uint32Value();
  box->t.max_depth = info[2].As<Napi::Number>().Uint32Value();
  box->t.pcs = static_cast<uintptr_t*>(std::malloc(sizeof(uintptr_t) * (box->t.cap_pcs ? box->t.cap_pcs : 1)));
  box->t.ends = static_cast<uint32_t*>(std::malloc(sizeof(uint32_t) * (box->t.cap_stacks ? box->t.cap_stacks : 1)));
  if (!box->t.pcs || !box->t.ends) {
    delete box;
    Napi::Error::New(env, "out of memory for the trace buffers").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  llgi_walk_prepare_thread();
  llgi_trace_begin(&box->t);
  box->active = true;
  return Napi::External<TraceBox>::New(env, box, [](Napi::Env, TraceBox* b) {
    if (b->active) llgi_trace_end(&b->t);
    delete b;
  });
}

// traceEnd(handle) -> {pcs: BigUint64Array, ends: Uint32Array, dropped, truncated}.
Napi::Value TraceEnd(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  TraceBox* box = info[0].As<Napi::External<TraceBox>>().Data();
  if (box->active) {
    llgi_trace_end(&box->t);
    box->active = false;
  }
  const llgi_trace& t = box->t;
  Napi::BigUint64Array pcs = Napi::BigUint64Array::New(env, t.npcs);
  for (uint32_t i = 0; i < t.npcs; i++) pcs[i] = t.pcs[i];
  Napi::Uint32Array ends = Napi::Uint32Array::New(env, t.nstacks);
  std::memcpy(ends.Data(), t.ends, sizeof(uint32_t) * t.nstacks);
  Napi::Object o = Napi::Object::New(env);
  o.Set("pcs", pcs);
  o.Set("ends", ends);
  o.Set("dropped", Napi::Number::New(env, t.dropped));
  o.Set("truncated", Napi::Number::New(env, t.truncated));
  return o;
}

}  // namespace

void InitLive(Napi::Env env, Napi::Object exports) {
  exports.Set("dlopen", Napi::Function::New(env, Dlopen));
  exports.Set("dlclose", Napi::Function::New(env, Dlclose));
  exports.Set("dlsym", Napi::Function::New(env, Dlsym));
  exports.Set("callInt", Napi::Function::New(env, CallInt));
  exports.Set("register", Napi::Function::New(env, Register));
  exports.Set("unregister", Napi::Function::New(env, Unregister));
  exports.Set("traceBegin", Napi::Function::New(env, TraceBegin));
  exports.Set("traceEnd", Napi::Function::New(env, TraceEnd));
}

}  // namespace llgi
