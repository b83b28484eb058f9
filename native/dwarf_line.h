// dwarf_line.h: the addon functions over the .debug_line reader
// (runtime/include/llgi_dwarf.h), for compiler/dwarf/line.ts.
#ifndef LLGI_NATIVE_DWARF_LINE_H
#define LLGI_NATIVE_DWARF_LINE_H

#include <napi.h>

namespace llgi {

void InitDwarfLine(Napi::Env env, Napi::Object exports);

}  // namespace llgi

#endif  // LLGI_NATIVE_DWARF_LINE_H
