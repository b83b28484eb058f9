// dwarf_info.h: the addon functions over the C .debug_info and
// .debug_aranges readers (runtime/include/llgi_dwarf.h).
#ifndef LLGI_NATIVE_DWARF_INFO_H
#define LLGI_NATIVE_DWARF_INFO_H

#include <napi.h>

namespace llgi {

void InitDwarfInfo(Napi::Env env, Napi::Object exports);

}  // namespace llgi

#endif  // LLGI_NATIVE_DWARF_INFO_H
