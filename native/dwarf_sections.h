// dwarf_sections.h: the debug sections of a JS DwarfSections object
// (compiler/dwarf/reader.ts: optional Buffers named info, abbrev, str, ...)
// as the C readers' llgi_dsections. The Buffers must stay reachable for as
// long as the C side reads them: for the duration of one synchronous call.
#ifndef LLGI_NATIVE_DWARF_SECTIONS_H
#define LLGI_NATIVE_DWARF_SECTIONS_H

#include <napi.h>

#include "llgi_dwarf.h"

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

}  // namespace llgi

#endif  // LLGI_NATIVE_DWARF_SECTIONS_H
