// dwarf_sections.h: what the addon's DWARF functions share: the debug
// sections of a JS DwarfSections object (compiler/dwarf/reader.ts: optional
// Buffers named info, abbrev, str, ...) as the C readers' llgi_dsections
// (the Buffers must stay reachable for as long as the C side reads them: for
// the duration of one synchronous call), a reader's refusal as a thrown
// error, and DWARF values as JavaScript numbers.
#ifndef LLGI_NATIVE_DWARF_SECTIONS_H
#define LLGI_NATIVE_DWARF_SECTIONS_H

#include <napi.h>

#include <cinttypes>
#include <cstdio>
#include <string>

#include "llgi_dwarf.h"
#include "table.h"

namespace llgi {

inline llgi_dbytes SectionBytes(const Napi::Object& o, const char* key) {
  static const uint8_t kEmpty[1] = {0};
  Napi::Value v = o.Get(key);
  if (!v.IsBuffer()) return llgi_dbytes{nullptr, 0};
  auto b = v.As<Napi::Buffer<uint8_t>>();
  // An empty section is present (p non-NULL), as an empty Buffer was to the TypeScript readers.
  return llgi_dbytes{b.Data() ? b.Data() : kEmpty, b.Length()};
}

inline llgi_dsections SectionsOf(const Napi::Object& o) {
  llgi_dsections s;
  s.info = SectionBytes(o, "info");
  s.abbrev = SectionBytes(o, "abbrev");
  s.str = SectionBytes(o, "str");
  s.line_str = SectionBytes(o, "lineStr");
  s.str_offsets = SectionBytes(o, "strOffsets");
  s.line = SectionBytes(o, "line");
  s.ranges = SectionBytes(o, "ranges");
  s.rnglists = SectionBytes(o, "rnglists");
  s.addr = SectionBytes(o, "addr");
  s.aranges = SectionBytes(o, "aranges");
  return s;
}

// The sections of argument 0; false after throwing (not a DwarfSections object).
inline bool SectionsArg(const Napi::CallbackInfo& info, llgi_dsections* s) {
  if (!info[0].IsObject()) {
    Napi::TypeError::New(info.Env(), "expected a DwarfSections object").ThrowAsJavaScriptException();
    return false;
  }
  *s = SectionsOf(info[0].As<Napi::Object>());
  return true;
}

// A reader's return code rc: false for success; else throws LLGI_NATIVE
// (out of memory reading `section`) or LLGI_DWARF_CORRUPT (the reader's
// message) and returns true.
inline bool Refused(Napi::Env env, int rc, const llgi_derr& err, const char* section) {
  if (rc == 0) return false;
  if (rc == -2) ThrowCoded(env, "LLGI_NATIVE", (std::string("out of memory reading ") + section).c_str());
  else ThrowCoded(env, "LLGI_DWARF_CORRUPT", err.msg);
  return true;
}

// DWARF values as JavaScript numbers: a value whose top word is all ones (a
// tombstone) becomes Number.MAX_SAFE_INTEGER, as the TypeScript readers gave
// it; any other value above 2^53 has no exact number: the first one is kept,
// converted as 0, and Throw() refuses the result with LLGI_DWARF_CORRUPT.
struct JsNumbers {
  Napi::Env env;
  // Appended to the message (where the value was: " in the line table at offset 0x...").
  std::string context;
  const char* what = nullptr;
  uint64_t bad = 0;

  double operator()(uint64_t v, const char* name) {
    if (v >= 0xffffffff00000000u) return 9007199254740991.0;
    if (v > 9007199254740991u) {
      if (!what) {
        what = name;
        bad = v;
      }
      return 0;
    }
    return static_cast<double>(v);
  }

  // Throws unless every value converted so far was representable; true after throwing.
  bool Throw() {
    if (!what) return false;
    char msg[200];
    std::snprintf(msg, sizeof msg, "%s: value 0x%" PRIx64 " above 2^53 (not representable in JavaScript)%s", what, bad, context.c_str());
    ThrowCoded(env, "LLGI_DWARF_CORRUPT", msg);
    return true;
  }
};

}  // namespace llgi

#endif  // LLGI_NATIVE_DWARF_SECTIONS_H
