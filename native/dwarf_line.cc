// dwarf_line.cc: dwarfLineTable, dwarfLineIntervals and dwarfLinePath over
// llgi_dline_read, llgi_dline_intervals and llgi_dline_path
// (runtime/include/llgi_dwarf.h). Results cross as typed arrays and arrays
// of strings; compiler/dwarf/line.ts builds its objects from them.
// Refusals throw LLGI_DWARF_CORRUPT with the reader's message, out of memory
// LLGI_NATIVE.
#include "dwarf_line.h"

#include <cinttypes>
#include <cstdlib>
#include <cstdio>
#include <string>
#include <vector>

#include "dwarf_sections.h"
#include "llgi_dwarf.h"
#include "table.h"

namespace llgi {

namespace {

// Frees a table read here whichever way the call ends.
struct TableGuard {
  llgi_dline_table t{};
  ~TableGuard() { llgi_dline_free(&t); }
};

// Reads the table of (sections, offset, compDir) arguments; false after throwing.
bool ReadTable(const Napi::CallbackInfo& info, llgi_dline_table* t) {
  llgi_dsections s;
  if (!SectionsArg(info, &s)) return false;
  uint64_t offset = static_cast<uint64_t>(info[1].As<Napi::Number>().Int64Value());
  std::string comp_dir = info[2].As<Napi::String>().Utf8Value();
  llgi_derr err;
  return !Refused(info.Env(), llgi_dline_read(&s, offset, comp_dir.c_str(), t, &err), err, ".debug_line");
}

// Converts a table's addresses, naming the table in a refusal.
JsNumbers AddressesOf(Napi::Env env, const llgi_dline_table& t) {
  char where[64];
  std::snprintf(where, sizeof where, " in the line table at offset 0x%" PRIx64, t.offset);
  return JsNumbers{env, where};
}

// dwarfLineTable(sections, offset, compDir) -> {version, files: (string |
// null)[], seqs: Float64Array (lowPc, highPc, rowStart, rowCount)*, address:
// Float64Array, fields: Uint32Array (file, line, column, isStmt)*}.
Napi::Value DwarfLineTable(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  TableGuard g;
  llgi_dline_table& t = g.t;
  if (!ReadTable(info, &t)) return env.Undefined();
  Napi::Array files = Napi::Array::New(env, t.nfiles);
  for (uint32_t i = 0; i < t.nfiles; i++) files.Set(i, t.files[i] ? Napi::Value(Napi::String::New(env, t.files[i])) : env.Null());
  JsNumbers num = AddressesOf(env, t);
  Napi::Float64Array seqs = Napi::Float64Array::New(env, size_t{t.nseqs} * 4);
  for (uint32_t i = 0; i < t.nseqs; i++) {
    const llgi_dline_seq& q = t.seqs[i];
    double* o = seqs.Data() + size_t{i} * 4;
    o[0] = num(q.low_pc, ".debug_line: address");
    o[1] = num(q.high_pc, ".debug_line: address");
    o[2] = q.row_start;
    o[3] = q.row_count;
  }
  Napi::Float64Array address = Napi::Float64Array::New(env, t.nrows);
  Napi::Uint32Array fields = Napi::Uint32Array::New(env, size_t{t.nrows} * 4);
  double* a = address.Data();
  uint32_t* f = fields.Data();
  for (uint32_t i = 0; i < t.nrows; i++) {
    const llgi_dline_row& r = t.rows[i];
    a[i] = num(r.address, ".debug_line: address");
    f[0] = r.file;
    f[1] = r.line;
    f[2] = r.column;
    f[3] = r.is_stmt;
    f += 4;
  }
  if (num.Throw()) return env.Undefined();
  Napi::Object out = Napi::Object::New(env);
  out.Set("version", Napi::Number::New(env, t.version));
  out.Set("files", files);
  out.Set("seqs", seqs);
  out.Set("address", address);
  out.Set("fields", fields);
  return out;
}

// dwarfLineIntervals(sections, offset, compDir) -> Float64Array (lo, hi,
// file, line)*: the table's answers (llgi_dline_intervals), file 2^32 - 1
// where the row's index names no file.
Napi::Value DwarfLineIntervals(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  TableGuard g;
  if (!ReadTable(info, &g.t)) return env.Undefined();
  llgi_dline_iv* iv = nullptr;
  uint32_t n = 0;
  if (llgi_dline_intervals(&g.t, &iv, &n) != 0) {
    ThrowCoded(env, "LLGI_NATIVE", "out of memory making line intervals");
    return env.Undefined();
  }
  JsNumbers num = AddressesOf(env, g.t);
  Napi::Float64Array out = Napi::Float64Array::New(env, size_t{n} * 4);
  double* o = out.Data();
  for (uint32_t i = 0; i < n; i++, o += 4) {
    o[0] = num(iv[i].lo, ".debug_line: address");
    o[1] = num(iv[i].hi, ".debug_line: address");
    o[2] = iv[i].file;
    o[3] = iv[i].line;
  }
  std::free(iv);
  return num.Throw() ? env.Undefined() : Napi::Value(out);
}

// dwarfLinePath(version, dirs: (string | null)[], name, dirIndex, compDir) -> string (llgi_dline_path).
Napi::Value DwarfLinePath(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  uint16_t version = static_cast<uint16_t>(info[0].As<Napi::Number>().Uint32Value());
  Napi::Array list = info[1].As<Napi::Array>();
  std::vector<std::string> held(list.Length());
  std::vector<const char*> dirs(list.Length());
  for (uint32_t i = 0; i < list.Length(); i++) {
    Napi::Value v = list.Get(i);
    if (v.IsString()) {
      held[i] = v.As<Napi::String>().Utf8Value();
      dirs[i] = held[i].c_str();
    }
  }
  std::string name = info[2].As<Napi::String>().Utf8Value();
  uint64_t dir_index = static_cast<uint64_t>(info[3].As<Napi::Number>().Int64Value());
  std::string comp_dir = info[4].As<Napi::String>().Utf8Value();
  uint32_t ndirs = static_cast<uint32_t>(dirs.size());
  size_t len = llgi_dline_path(version, dirs.data(), ndirs, name.c_str(), dir_index, comp_dir.c_str(), nullptr, 0);
  std::string path(len + 1, '\0');
  llgi_dline_path(version, dirs.data(), ndirs, name.c_str(), dir_index, comp_dir.c_str(), &path[0], path.size());
  path.resize(len);
  return Napi::String::New(env, path);
}

}  // namespace

void InitDwarfLine(Napi::Env env, Napi::Object exports) {
  exports.Set("dwarfLineTable", Napi::Function::New(env, DwarfLineTable));
  exports.Set("dwarfLineIntervals", Napi::Function::New(env, DwarfLineIntervals));
  exports.Set("dwarfLinePath", Napi::Function::New(env, DwarfLinePath));
}

}  // namespace llgi
