// build.cc: buildTable(input) over llgi_build_table (runtime/include/llgi_build.h).
// compiler/table/build.ts reads the ELF file and passes what the C builder
// needs as Buffers and typed arrays; strings come as NUL-separated Buffers,
// one conversion each instead of one per string.
#include "build.h"

#include <cstdlib>
#include <cstring>
#include <map>
#include <string>
#include <vector>

#include "dwarf_sections.h"
#include "llgi_build.h"
#include "llgi_table_write.h"
#include "../runtime/src/builder/goname.h"
#include "table.h"

namespace llgi {

namespace {

// The strings of a Buffer holding `count` NUL-terminated strings back to back; false when it does not.
bool SplitStrings(const Napi::Value& v, size_t count, std::vector<const char*>* out) {
  if (!v.IsBuffer()) return count == 0;
  auto b = v.As<Napi::Buffer<char>>();
  const char* p = b.Data();
  size_t n = b.Length();
  out->reserve(count);
  for (size_t at = 0; out->size() < count;) {
    if (at >= n) return false;
    const char* nul = static_cast<const char*>(std::memchr(p + at, 0, n - at));
    if (!nul) return false;
    out->push_back(p + at);
    at = static_cast<size_t>(nul - p) + 1;
  }
  return true;
}

template <typename T>
const T* TypedData(const Napi::Value& v, size_t* length) {
  if (!v.IsTypedArray()) {
    *length = 0;
    return nullptr;
  }
  auto a = v.As<Napi::TypedArrayOf<T>>();
  *length = a.ElementLength();
  return a.Data();
}

struct Progress {
  Napi::Env env;
  Napi::Function fn;
};

void OnProgress(void* ctx, uint32_t done, uint32_t total) {
  auto* p = static_cast<Progress*>(ctx);
  if (p->env.IsExceptionPending()) return;  // the callback threw: the build finishes, then throws it
  p->fn.Call({Napi::Number::New(p->env, done), Napi::Number::New(p->env, total)});
}

// The llgo tables of input.llgo: { funcs, names, symbols, files, lines (Uint32Array),
// entryPc (Float64Array), entryFunc (Uint32Array), sitePc, siteFunc, siteFiles, siteLine }.
struct Llgo {
  std::vector<llgi_bllgo_func> funcs;
  std::vector<llgi_bllgo_site> entries, lines;
  llgi_bllgo t{};
};

bool ReadLlgo(const Napi::Object& o, Llgo* l) {
  size_t nf, ne, ne2, ns, ns2, ns3;
  const uint32_t* fline = TypedData<uint32_t>(o.Get("funcLine"), &nf);
  const double* epc = TypedData<double>(o.Get("entryPc"), &ne);
  const uint32_t* efunc = TypedData<uint32_t>(o.Get("entryFunc"), &ne2);
  const double* spc = TypedData<double>(o.Get("sitePc"), &ns);
  const uint32_t* sfunc = TypedData<uint32_t>(o.Get("siteFunc"), &ns2);
  const uint32_t* sline = TypedData<uint32_t>(o.Get("siteLine"), &ns3);
  std::vector<const char*> names, symbols, files, sfiles;
  if (ne != ne2 || ns != ns2 || ns != ns3 || !SplitStrings(o.Get("funcNames"), nf, &names) ||
      !SplitStrings(o.Get("funcSymbols"), nf, &symbols) || !SplitStrings(o.Get("funcFiles"), nf, &files) ||
      !SplitStrings(o.Get("siteFiles"), ns, &sfiles))
    return false;
  for (size_t i = 0; i < nf; i++) l->funcs.push_back(llgi_bllgo_func{symbols[i], names[i], files[i], fline[i]});
  for (size_t i = 0; i < ne; i++) l->entries.push_back(llgi_bllgo_site{static_cast<uint64_t>(epc[i]), efunc[i], nullptr, 0});
  for (size_t i = 0; i < ns; i++) l->lines.push_back(llgi_bllgo_site{static_cast<uint64_t>(spc[i]), sfunc[i], sfiles[i], sline[i]});
  l->t = llgi_bllgo{l->funcs.data(), static_cast<uint32_t>(nf), l->entries.data(), static_cast<uint32_t>(ne),
                    l->lines.data(), static_cast<uint32_t>(ns)};
  return true;
}

// buildTable({ sections, exec: Float64Array [lo, hi]*, symtab?: { syms, strs, xindex? (Buffers),
//   where }, execSections (Uint8Array: 1 per SHF_EXECINSTR section index), llgo?, strict, gc,
//   progress? }) -> { table, report counts, warnings }.
Napi::Value BuildTable(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsObject()) {
    ThrowCoded(env, "LLGI_BAD_ARGUMENT", "buildTable: an input object is required");
    return env.Undefined();
  }
  Napi::Object in = info[0].As<Napi::Object>();
  size_t nexec, nsections;
  const double* exec = TypedData<double>(in.Get("exec"), &nexec);
  const uint8_t* exec_sections = TypedData<uint8_t>(in.Get("execSections"), &nsections);
  if (nexec % 2) {
    ThrowCoded(env, "LLGI_BAD_ARGUMENT", "buildTable: malformed input");
    return env.Undefined();
  }
  std::vector<llgi_drange> ranges;
  for (size_t i = 0; i < nexec; i += 2) ranges.push_back(llgi_drange{static_cast<uint64_t>(exec[i]), static_cast<uint64_t>(exec[i + 1])});
  llgi_binput bin{};
  std::string where;
  Napi::Value st = in.Get("symtab");
  if (st.IsObject()) {
    Napi::Object o = st.As<Napi::Object>();
    bin.symtab.syms = SectionBytes(o, "syms");
    bin.symtab.strs = SectionBytes(o, "strs");
    bin.symtab.xindex = SectionBytes(o, "xindex");
    where = o.Get("where").ToString().Utf8Value();
  }
  bin.symtab.exec = exec_sections;
  bin.symtab.nsections = static_cast<uint32_t>(nsections);
  bin.symtab.where = where.c_str();
  Llgo llgo;
  Napi::Value lv = in.Get("llgo");
  if (lv.IsObject() && !ReadLlgo(lv.As<Napi::Object>(), &llgo)) {
    ThrowCoded(env, "LLGI_BAD_ARGUMENT", "buildTable: malformed llgo tables");
    return env.Undefined();
  }
  Napi::Object sections = in.Get("sections").IsObject() ? in.Get("sections").As<Napi::Object>() : Napi::Object::New(env);
  bin.dwarf = SectionsOf(sections);
  bin.exec = ranges.data();
  bin.nexec = static_cast<uint32_t>(ranges.size());
  bin.llgo = lv.IsObject() ? &llgo.t : nullptr;
  bin.flags = (in.Get("strict").ToBoolean() ? LLGI_BUILD_STRICT : 0) | (in.Get("gc").ToBoolean() ? LLGI_BUILD_GC : 0);
  Napi::Value pv = in.Get("progress");
  Progress progress{env, pv.IsFunction() ? pv.As<Napi::Function>() : Napi::Function()};
  if (pv.IsFunction()) {
    bin.progress = OnProgress;
    bin.progress_ctx = &progress;
  }

  uint8_t* table = nullptr;
  size_t table_size = 0;
  llgi_breport rep{};
  llgi_derr err{};
  int rc = llgi_build_table(&bin, &table, &table_size, &rep, &err);
  if (env.IsExceptionPending()) {  // thrown by the progress callback
    std::free(table);
    std::free(rep.warnings);
    return env.Undefined();
  }
  if (rc != LLGI_BUILD_OK) {
    const char* code = rc == LLGI_BUILD_DWARF_CORRUPT ? "LLGI_DWARF_CORRUPT"
                       : rc == LLGI_BUILD_NO_FUNCTIONS ? "LLGI_TABLE_INVALID"
                       : rc == LLGI_BUILD_TOO_LARGE    ? "LLGI_TABLE_TOO_LARGE"
                       : rc == LLGI_BUILD_ELF_CORRUPT  ? "LLGI_ELF_CORRUPT"
                                                       : "LLGI_NATIVE";
    ThrowCoded(env, code, err.msg);
    return env.Undefined();
  }
  Napi::Object out = Napi::Object::New(env);
  out.Set("table", Napi::Buffer<uint8_t>::New(env, table, table_size, [](Napi::Env, uint8_t* p) { std::free(p); }));
  out.Set("functions", rep.functions);
  out.Set("functionsWithDwarf", rep.functions_with_dwarf);
  out.Set("compileUnits", rep.compile_units);
  out.Set("lineRows", rep.line_rows);
  out.Set("inlineNodes", rep.inline_nodes);
  out.Set("llgoFunctions", rep.llgo_functions);
  Napi::Array warnings = Napi::Array::New(env);
  for (size_t at = 0; at < rep.warnings_len;) {
    const char* w = rep.warnings + at;
    warnings.Set(warnings.Length(), Napi::String::New(env, w));
    at += std::strlen(w) + 1;
  }
  std::free(rep.warnings);
  out.Set("warnings", warnings);
  return out;
}

// writeTable({ textStart, textEnd, funcs: [{ entry, size?, name, flags, declFile?, declLine?, symFile?,
//   lines: [{ pc, file?, line }], paints: [{ pc, node }] }], nodes: [{ parent, name, callFile?, callLine }] })
// -> Buffer: a table of a given shape, laid out by llgi_table_write_full (tests of the reader).
Napi::Value WriteTable(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsObject() || !info[0].As<Napi::Object>().Get("funcs").IsArray() || !info[0].As<Napi::Object>().Get("nodes").IsArray()) {
    ThrowCoded(env, "LLGI_BAD_ARGUMENT", "writeTable expects { textStart, textEnd, funcs: [], nodes: [] }");
    return env.Undefined();
  }
  Napi::Object m = info[0].As<Napi::Object>();
  std::vector<std::string> strings;  // owns every string; reserved so pointers stay put
  Napi::Array fs = m.Get("funcs").As<Napi::Array>(), ns = m.Get("nodes").As<Napi::Array>();
  size_t total = 0;
  for (uint32_t i = 0; i < fs.Length(); i++) {
    Napi::Object f = fs.Get(i).As<Napi::Object>();
    total += 3 + f.Get("lines").As<Napi::Array>().Length();
  }
  strings.reserve(total + 2 * ns.Length());
  // The same content gets the same pointer, as llgi_table_write_full interns by pointer.
  std::map<std::string, const char*> interned;
  auto str = [&](Napi::Value v) -> const char* {
    if (!v.IsString()) return nullptr;
    std::string s = v.As<Napi::String>().Utf8Value();
    auto it = interned.find(s);
    if (it != interned.end()) return it->second;
    strings.push_back(s);
    return interned[s] = strings.back().c_str();
  };
  auto num = [](Napi::Value v) { return v.IsNumber() ? v.As<Napi::Number>().DoubleValue() : 0.0; };
  std::vector<llgi_wfunc> funcs;
  std::vector<llgi_wrow> rows;
  std::vector<llgi_wpaint> paints;
  std::vector<llgi_wnode> nodes;
  for (uint32_t i = 0; i < fs.Length(); i++) {
    Napi::Object f = fs.Get(i).As<Napi::Object>();
    Napi::Array ls = f.Get("lines").As<Napi::Array>(), ps = f.Get("paints").As<Napi::Array>();
    llgi_wfunc w{};
    w.entry = static_cast<uint64_t>(num(f.Get("entry")));
    w.size = static_cast<uint32_t>(num(f.Get("size")));
    w.flags = static_cast<uint32_t>(num(f.Get("flags")));
    w.local = str(f.Get("name"));
    w.decl_file = str(f.Get("declFile"));
    w.decl_line = static_cast<uint32_t>(num(f.Get("declLine")));
    w.sym_file = str(f.Get("symFile"));
    w.row_start = static_cast<uint32_t>(rows.size());
    w.row_count = ls.Length();
    w.paint_start = static_cast<uint32_t>(paints.size());
    w.paint_count = ps.Length();
    for (uint32_t k = 0; k < ls.Length(); k++) {
      Napi::Object l = ls.Get(k).As<Napi::Object>();
      rows.push_back(llgi_wrow{static_cast<uint64_t>(num(l.Get("pc"))), nullptr, str(l.Get("file")), static_cast<uint32_t>(num(l.Get("line")))});
    }
    for (uint32_t k = 0; k < ps.Length(); k++) {
      Napi::Object p = ps.Get(k).As<Napi::Object>();
      double node = num(p.Get("node"));
      paints.push_back(llgi_wpaint{static_cast<uint64_t>(num(p.Get("pc"))), node < 0 ? LLGI_NONE : static_cast<uint32_t>(node)});
    }
    funcs.push_back(w);
  }
  for (uint32_t i = 0; i < ns.Length(); i++) {
    Napi::Object n = ns.Get(i).As<Napi::Object>();
    double parent = num(n.Get("parent"));
    nodes.push_back(llgi_wnode{parent < 0 ? LLGI_NONE : static_cast<uint32_t>(parent), str(n.Get("name")), str(n.Get("callFile")),
                               static_cast<uint32_t>(num(n.Get("callLine")))});
  }
  llgi_wtable t{static_cast<uint64_t>(num(m.Get("textStart"))), static_cast<uint64_t>(num(m.Get("textEnd"))),
                funcs.data(), static_cast<uint32_t>(funcs.size()), rows.data(), static_cast<uint32_t>(rows.size()),
                paints.data(), static_cast<uint32_t>(paints.size()), nodes.data(), static_cast<uint32_t>(nodes.size())};
  uint8_t* table = nullptr;
  size_t size = 0;
  int rc = llgi_table_write_full(&t, &table, &size);
  if (rc) {
    ThrowCoded(env, rc == -2 ? "LLGI_NATIVE" : "LLGI_TABLE_INVALID", rc == -2 ? "out of memory" : "writeTable: the model breaks the format's rules");
    return env.Undefined();
  }
  return Napi::Buffer<uint8_t>::New(env, table, size, [](Napi::Env, uint8_t* p) { std::free(p); });
}

// gcName(name, fromSymtab, dwarfName | null) -> the name gc's runtime prints
// (runtime/src/builder/goname.h); fromSymtab null: go_name_for_print alone.
Napi::Value GcName(const Napi::CallbackInfo& info) {
  if (!info[0].IsString()) {
    ThrowCoded(info.Env(), "LLGI_BAD_ARGUMENT", "gcName expects a name");
    return info.Env().Undefined();
  }
  std::string name = info[0].As<Napi::String>().Utf8Value();
  std::vector<char> out(GO_NAME_ROOM(name.size()));
  size_t n;
  if (info[1].IsNull()) {
    n = go_name_for_print(name.data(), name.size(), out.data());
  } else {
    std::string dwarf = info[2].IsString() ? info[2].As<Napi::String>().Utf8Value() : std::string();
    n = gc_runtime_name(name.c_str(), info[1].ToBoolean(), info[2].IsString() ? dwarf.c_str() : nullptr, out.data());
  }
  return Napi::String::New(info.Env(), out.data(), n);
}

}  // namespace

void InitBuild(Napi::Env env, Napi::Object exports) {
  exports.Set("buildTable", Napi::Function::New(env, BuildTable, "buildTable"));
  exports.Set("writeTable", Napi::Function::New(env, WriteTable, "writeTable"));
  exports.Set("gcName", Napi::Function::New(env, GcName, "gcName"));
}

}  // namespace llgi
