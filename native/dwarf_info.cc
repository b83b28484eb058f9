// dwarf_info.cc: dwarfInfo(sections) and dwarfAranges(sections) over
// llgi_dinfo_read / llgi_daranges_read (runtime/include/llgi_dwarf.h). The
// results cross as a few typed arrays and one array of strings (no object
// per unit or subroutine: compiler/dwarf/info.ts builds those); the layouts
// are described where compiler/dwarf/info.ts reads them.
// Values cross as JavaScript numbers (JsNumbers, dwarf_sections.h).
#include "dwarf_info.h"

#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <unordered_map>

#include "dwarf_sections.h"
#include "llgi_dwarf.h"
#include "table.h"

namespace llgi {

namespace {

constexpr uint32_t kUnitStride = 12;
constexpr uint32_t kSubStride = 10;

// Strings by address: many subroutines share a name (every inlined copy).
class Strings {
 public:
  explicit Strings(Napi::Env env) : list_(Napi::Array::New(env)), env_(env) {}
  int32_t Index(const char* s) {
    if (!s) return -1;
    auto it = index_.find(s);
    if (it != index_.end()) return it->second;
    int32_t i = static_cast<int32_t>(index_.size());
    list_.Set(static_cast<uint32_t>(i), Napi::String::New(env_, s, std::strlen(s)));
    index_.emplace(s, i);
    return i;
  }
  Napi::Array list_;

 private:
  Napi::Env env_;
  std::unordered_map<const char*, int32_t> index_;
};

// dwarfInfo(sections) -> { units: Float64Array (kUnitStride per unit),
// unitStrings: Int32Array (name, compDir, producer per unit; -1 none),
// subs: Uint32Array (kSubStride per subroutine), dieOffsets: Float64Array,
// otherDeclUnits: Float64Array (sub index, unit offset pairs), ranges:
// Float64Array (lo, hi pairs), strings: string[] }.
Napi::Value DwarfInfo(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  llgi_dsections s;
  if (!SectionsArg(info, &s)) return env.Undefined();
  llgi_dinfo d;
  llgi_derr err;
  if (Refused(env, llgi_dinfo_read(&s, &d, &err), err, ".debug_info")) return env.Undefined();
  JsNumbers num{env, ""};
  Strings strings(env);
  auto units = Napi::Float64Array::New(env, size_t{d.nunits} * kUnitStride);
  auto unitStrings = Napi::Int32Array::New(env, size_t{d.nunits} * 3);
  auto subs = Napi::Uint32Array::New(env, size_t{d.nsubs} * kSubStride);
  auto dieOffsets = Napi::Float64Array::New(env, d.nsubs);
  auto ranges = Napi::Float64Array::New(env, size_t{d.nranges} * 2);
  size_t nother = 0;
  for (uint32_t i = 0; i < d.nunits; i++) {
    const llgi_dunit& u = d.units[i];
    double* o = units.Data() + size_t{i} * kUnitStride;
    o[0] = num(u.offset, ".debug_info: unit offset");
    o[1] = u.version;
    o[2] = u.unit_type;
    o[3] = u.addr_size;
    o[4] = u.dwarf64;
    o[5] = num(u.low_pc, ".debug_info: unit low_pc");
    o[6] = u.has_language ? num(u.language, ".debug_info: unit language") : NAN;
    o[7] = u.has_stmt_list ? num(u.stmt_list, ".debug_info: unit stmt_list") : NAN;
    o[8] = u.range_start;
    o[9] = u.range_count;
    o[10] = u.sub_start;
    o[11] = u.sub_count;
    int32_t* n = unitStrings.Data() + size_t{i} * 3;
    n[0] = strings.Index(u.name);
    n[1] = strings.Index(u.comp_dir);
    n[2] = strings.Index(u.producer);
    for (uint32_t k = u.sub_start; k < u.sub_start + u.sub_count; k++)
      if (d.subs[k].decl_unit_offset != u.offset) nother++;
  }
  auto otherDeclUnits = Napi::Float64Array::New(env, nother * 2);
  nother = 0;
  for (uint32_t i = 0; i < d.nunits; i++) {
    const llgi_dunit& u = d.units[i];
    for (uint32_t k = u.sub_start; k < u.sub_start + u.sub_count; k++) {
      const llgi_dsub& sub = d.subs[k];
      uint32_t* o = subs.Data() + size_t{k} * kSubStride;
      o[0] = sub.parent;
      o[1] = sub.range_start;
      o[2] = sub.range_count;
      o[3] = sub.decl_file;
      o[4] = sub.decl_line;
      o[5] = sub.call_file;
      o[6] = sub.call_line;
      o[7] = sub.call_column;
      o[8] = uint32_t{sub.tag} | uint32_t{sub.trampoline} << 1 | uint32_t{sub.has} << 2;
      o[9] = static_cast<uint32_t>(strings.Index(sub.name));
      dieOffsets.Data()[k] = num(sub.die_offset, ".debug_info: DIE offset");
      if (sub.decl_unit_offset != u.offset) {
        otherDeclUnits.Data()[2 * nother] = k;
        otherDeclUnits.Data()[2 * nother + 1] = num(sub.decl_unit_offset, ".debug_info: unit offset");
        nother++;
      }
    }
  }
  for (uint32_t i = 0; i < d.nranges; i++) {
    ranges.Data()[2 * i] = num(d.ranges[i].lo, ".debug_info: range start");
    ranges.Data()[2 * i + 1] = num(d.ranges[i].hi, ".debug_info: range end");
  }
  llgi_dinfo_free(&d);
  if (num.Throw()) return env.Undefined();
  Napi::Object out = Napi::Object::New(env);
  out.Set("units", units);
  out.Set("unitStrings", unitStrings);
  out.Set("subs", subs);
  out.Set("dieOffsets", dieOffsets);
  out.Set("otherDeclUnits", otherDeclUnits);
  out.Set("ranges", ranges);
  out.Set("strings", strings.list_);
  return out;
}

// dwarfAranges(sections) -> { sets: Float64Array (cu offset, first range
// index per set), ranges: Float64Array (lo, hi pairs) }.
Napi::Value DwarfAranges(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  llgi_dsections s;
  if (!SectionsArg(info, &s)) return env.Undefined();
  llgi_daranges a;
  llgi_derr err;
  if (Refused(env, llgi_daranges_read(&s, &a, &err), err, ".debug_aranges")) return env.Undefined();
  JsNumbers num{env, ""};
  auto sets = Napi::Float64Array::New(env, size_t{a.nsets} * 2);
  auto ranges = Napi::Float64Array::New(env, size_t{a.count} * 2);
  for (uint32_t i = 0; i < a.nsets; i++) {
    sets.Data()[2 * i] = num(a.set_cu[i], ".debug_aranges: unit offset");
    sets.Data()[2 * i + 1] = a.set_start[i];
  }
  for (uint32_t i = 0; i < a.count; i++) {
    ranges.Data()[2 * i] = num(a.ranges[i].lo, ".debug_aranges: range start");
    ranges.Data()[2 * i + 1] = num(a.ranges[i].hi, ".debug_aranges: range end");
  }
  llgi_daranges_free(&a);
  if (num.Throw()) return env.Undefined();
  Napi::Object out = Napi::Object::New(env);
  out.Set("sets", sets);
  out.Set("ranges", ranges);
  return out;
}

}  // namespace

void InitDwarfInfo(Napi::Env env, Napi::Object exports) {
  exports.Set("dwarfInfo", Napi::Function::New(env, DwarfInfo));
  exports.Set("dwarfAranges", Napi::Function::New(env, DwarfAranges));
}

}  // namespace llgi
