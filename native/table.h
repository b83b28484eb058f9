// table.h: the Table class (an adopted LLGI table held by JavaScript).
#ifndef LLGI_NATIVE_TABLE_H
#define LLGI_NATIVE_TABLE_H

#include <napi.h>

#include <cstddef>
#include <cstring>
#include <string>

extern "C" {
#include "llgi_frametext.h"
#include "llgi_table.h"
}

namespace llgi {

// Throws a JS Error carrying `code` (an LlgiErrorCode); lib/ rewraps it.
void ThrowCoded(Napi::Env env, const char* code, const char* msg);

// A bigint argument as uint64 (addresses, handles, seeds); lib/ validates ranges.
inline uint64_t BigIntArg(const Napi::Value& v) {
  bool lossless = true;
  return v.As<Napi::BigInt>().Uint64Value(&lossless);
}

// A dlopen handle passed from JS as a bigint.
inline void* HandleArg(const Napi::Value& v) { return reinterpret_cast<void*>(static_cast<uintptr_t>(BigIntArg(v))); }

// An adopted table plus references that keep its Buffers alive: lookups read
// them in place, so they must outlive the handle. With a checksum index the
// table is adopted for validation at first use (llgi_table_adopt_lazy), and
// a lookup that meets a refused table throws LLGI_TABLE_INVALID.
class Table : public Napi::ObjectWrap<Table> {
 public:
  static Napi::Function Init(Napi::Env env) {
    return DefineClass(env, "Table",
                       {InstanceMethod<&Table::Bind>("bind"),
                        InstanceMethod<&Table::Frames>("frames"),
                        InstanceMethod<&Table::Text>("text"),
                        InstanceMethod<&Table::TextLines>("textLines"),
                        InstanceMethod<&Table::FindFunc>("findFunc"),
                        InstanceMethod<&Table::Info>("info"),
                        InstanceMethod<&Table::ValidateAll>("validateAll")});
  }

  // new Table(buffer, sums?: Buffer): validates and adopts, whole or (with
  // the checksum index `sums`) at first use; throws {code: 'LLGI_TABLE_INVALID'}.
  explicit Table(const Napi::CallbackInfo& info) : Napi::ObjectWrap<Table>(info) {
    Napi::Env env = info.Env();
    bool with_sums = info.Length() >= 2 && !info[1].IsUndefined() && !info[1].IsNull();
    if (info.Length() < 1 || !info[0].IsBuffer() || (with_sums && !info[1].IsBuffer())) {
      ThrowCoded(env, "LLGI_TABLE_INVALID", "Table expects a Buffer and an optional Buffer");
      return;
    }
    auto buf = info[0].As<Napi::Buffer<uint8_t>>();
    llgi_table_error err{};
    int64_t rc;
    if (with_sums) {
      auto sums = info[1].As<Napi::Buffer<uint8_t>>();
      rc = llgi_table_adopt_lazy(&table_, buf.Data(), buf.Length(), sums.Data(), sums.Length(), nullptr, 0, &err);
      if (rc > 0) {
        // The state lives in an ArrayBuffer (8-byte aligned, never moved) so
        // that JS can read the refusal word without a call (info().refused).
        auto state = Napi::ArrayBuffer::New(env, (static_cast<size_t>(rc) + 7) / 8 * 8);
        rc = llgi_table_adopt_lazy(&table_, buf.Data(), buf.Length(), sums.Data(), sums.Length(), state.Data(),
                                   state.ByteLength(), &err);
        if (rc == 0) state_ = Napi::Persistent(state);
      }
      if (rc == 0) sums_ = Napi::Persistent(sums.As<Napi::Object>());
    } else {
      rc = llgi_table_adopt(&table_, buf.Data(), buf.Length(), &err);
    }
    if (rc != 0) {
      Invalid(env, "invalid LLGI table: ", err);
      return;
    }
    buffer_ = Napi::Persistent(buf.As<Napi::Object>());
    adopted_ = true;
  }

  // The adopted table, or nullptr when the constructor threw.
  const llgi_table* table() const { return adopted_ ? &table_ : nullptr; }

 private:
  // info() -> {textStart: bigint, textLen, nfunc, maxDepth, stringsOffset, firstUse, refused}
  // refused: for a table adopted at first use, a Uint32Array over the
  // refusal word (llgi_table_lazy.failed, the state's first field): nonzero
  // once the table is refused, by any thread. JS caches of lookups read it
  // instead of calling in. null for a table adopted whole (never refused).
  Napi::Value Info(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    Napi::Object o = Napi::Object::New(env);
    o.Set("textStart", Napi::BigInt::New(env, table_.text_start));
    o.Set("textLen", Napi::Number::New(env, table_.text_len));
    o.Set("nfunc", Napi::Number::New(env, table_.nfunc));
    o.Set("maxDepth", Napi::Number::New(env, table_.max_depth));
    o.Set("stringsOffset", Napi::Number::New(env, static_cast<double>(
                                                      reinterpret_cast<const uint8_t*>(table_.strings) - table_.base)));
    o.Set("firstUse", Napi::Boolean::New(env, table_.units != nullptr));
    static_assert(offsetof(llgi_table_lazy, failed) == 0, "the refusal word leads the state");
    if (state_.IsEmpty()) o.Set("refused", env.Null());
    else o.Set("refused", Napi::Uint32Array::New(env, 1, state_.Value(), 0));
    return o;
  }

  static void Invalid(Napi::Env env, const char* prefix, const llgi_table_error& err) {
    std::string msg = std::string(prefix) + err.what + " (at byte " + std::to_string(err.offset) + ")";
    ThrowCoded(env, "LLGI_TABLE_INVALID", msg.c_str());
  }

  // A lookup met a refused table (validation at first use).
  Napi::Value Refused(Napi::Env env) {
    llgi_table_error err{"table refused", 0};
    llgi_table_failure(&table_, &err);
    Invalid(env, "invalid LLGI table (found at first use): ", err);
    return env.Undefined();
  }

  // findFunc(addr: bigint) -> function index or -1.
  Napi::Value FindFunc(const Napi::CallbackInfo& info) {
    int64_t fi = llgi_table_findfunc(&table_, BigIntArg(info[0]));
    if (fi == LLGI_TABLE_REFUSED) return Refused(info.Env());
    return Napi::Number::New(info.Env(), static_cast<double>(fi));
  }

  // validateAll(): validates every bucket of a table adopted at first use now.
  Napi::Value ValidateAll(const Napi::CallbackInfo& info) {
    if (llgi_table_validate_all(&table_) != 0) return Refused(info.Env());
    return info.Env().Undefined();
  }

  // bind(addrs: BigUint64Array, out: Uint32Array, bias: bigint): the arrays
  // frames() reads and writes from now on (references keep them alive), and
  // the bias it subtracts. Binding once keeps a lookup's call down to two
  // plain arguments: funcForPC's single-pc lookups pay the call each time.
  Napi::Value Bind(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (info.Length() < 3 || !info[0].IsTypedArray() ||
        info[0].As<Napi::TypedArray>().TypedArrayType() != napi_biguint64_array || !info[1].IsTypedArray() ||
        info[1].As<Napi::TypedArray>().TypedArrayType() != napi_uint32_array || !info[2].IsBigInt()) {
      ThrowCoded(env, "LLGI_BAD_ADDRESS", "bind expects (BigUint64Array, Uint32Array, bigint)");
      return env.Undefined();
    }
    auto addrs = info[0].As<Napi::TypedArrayOf<uint64_t>>();
    auto out = info[1].As<Napi::Uint32Array>();
    addrs_ref_ = Napi::Persistent(addrs.As<Napi::Object>());
    out_ref_ = Napi::Persistent(out.As<Napi::Object>());
    addrs_ = addrs.Data();
    naddrs_ = addrs.ElementLength();
    out_ = out.Data();
    nout_ = out.ElementLength();
    bias_ = BigIntArg(info[2]);
    return env.Undefined();
  }

  // frames(count, returnAddresses: boolean) over the bound arrays
  //   -> words written, or -(words needed) when `out` is too small.
  // Each address is addrs[i] - bias (mod 2^64: one below the bias lands far
  // above any text), so runtime pcs go in as they are. The caller owns and
  // reuses both arrays, so a lookup allocates nothing.
  // With returnAddresses, each address above its function's entry is looked
  // up at addr-1 (gc's CallersFrames rule). Frames are gc's: a wrapper's own
  // frame above the function it wraps is left out (llgi_frametext.h). For
  // each address: a frame count n, how much was subtracted (0 or 1), then n
  // records of kFrameWords words:
  //   name (string offset), file (string offset or 0xffffffff), line,
  //   function index, entry offset (from textStart), inlined (0/1).
  static constexpr int kFrameWords = 6;
  static constexpr int kMaxFrames = 64;
  Napi::Value Frames(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    size_t n;
    bool ret;
    if (!BoundArgs(info, "frames", &n, &ret)) return env.Undefined();
    uint32_t depth = table_.max_depth < kMaxFrames ? table_.max_depth : kMaxFrames;
    // Worst case: every address expands to the deepest inline chain.
    size_t need = n * (2 + depth * kFrameWords);
    if (nout_ < need) return Napi::Number::New(env, -static_cast<double>(need));
    uint32_t* w = out_;
    size_t used = 0;
    llgi_frame frames[kMaxFrames];
    for (size_t i = 0; i < n; i++) {
      uint32_t back;
      int k = FramesAt(addrs_[i], ret, frames, &back);
      if (k < 0) return Refused(env);
      w[used++] = static_cast<uint32_t>(k);
      w[used++] = back;
      for (int j = 0; j < k; j++) {
        const llgi_frame& f = frames[j];
        w[used++] = static_cast<uint32_t>(f.function - table_.strings);
        w[used++] = f.file ? static_cast<uint32_t>(f.file - table_.strings) : LLGI_NONE;
        w[used++] = f.line;
        w[used++] = f.func;
        w[used++] = static_cast<uint32_t>(f.entry - table_.text_start);
        w[used++] = static_cast<uint32_t>(f.inlined);
      }
    }
    return Napi::Number::New(env, static_cast<double>(used));
  }

  // text(count, returnAddresses: boolean) over the bound addresses -> a
  // Buffer of their answers in gc's layout (llgi_frames_text), each followed
  // by an empty line: what `llgo-introspect symbolize` prints, made without
  // a JavaScript object per frame. Same addresses and frames as frames().
  Napi::Value Text(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    size_t n;
    bool ret;
    if (!BoundArgs(info, "text", &n, &ret)) return env.Undefined();
    std::string text(n * 96 + 64, '\0');
    size_t len = 0;
    for (size_t i = 0; i < n; i++)
      if (!AppendText(addrs_[i], ret, &text, &len)) return Refused(env);
    // Copied out: a Buffer over our own memory would be refused where external buffers are not allowed.
    return Napi::Buffer<char>::Copy(env, text.data(), len);
  }

  // textLines(lines: Buffer, returnAddresses: boolean) -> text()'s answers
  // for lines that are each a bare 0x address (at most 16 hex digits; "\n"
  // or "\r\n" ended, the last one maybe not), or null when any line is
  // something else: the symbolize command's common input, answered without a
  // JavaScript string or BigInt per line (lib/cli/symbolize.ts).
  Napi::Value TextLines(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (info.Length() < 2 || !info[0].IsBuffer()) {
      ThrowCoded(env, "LLGI_BAD_ADDRESS", "textLines expects (Buffer, boolean)");
      return env.Undefined();
    }
    auto in = info[0].As<Napi::Buffer<char>>();
    bool ret = info[1].ToBoolean().Value();
    const char* p = in.Data();
    size_t n = in.Length();
    std::string text(n * 8 + 64, '\0');
    size_t len = 0;
    for (size_t at = 0; at < n;) {
      const char* nl = static_cast<const char*>(std::memchr(p + at, '\n', n - at));
      size_t end = nl ? static_cast<size_t>(nl - p) : n;
      size_t stop = end > at && p[end - 1] == '\r' ? end - 1 : end;
      uint64_t addr;
      if (!BareHex(p + at, stop - at, &addr)) return env.Null();
      if (!AppendText(addr, ret, &text, &len)) return Refused(env);
      at = end + 1;
    }
    return Napi::Buffer<char>::Copy(env, text.data(), len);
  }

  // "0x" or "0X" and 1 to 16 hex digits, nothing else.
  static bool BareHex(const char* s, size_t n, uint64_t* out) {
    if (n < 3 || n > 18 || s[0] != '0' || (s[1] != 'x' && s[1] != 'X')) return false;
    uint64_t v = 0;
    for (size_t i = 2; i < n; i++) {
      char c = s[i];
      int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
      if (d < 0) return false;
      v = v << 4 | static_cast<uint64_t>(d);
    }
    *out = v;
    return true;
  }

  // Appends the answer for addr (text()'s layout, then the empty line); false when the table is refused.
  bool AppendText(uint64_t addr, bool ret, std::string* text, size_t* len) {
    llgi_frame frames[kMaxFrames];
    uint32_t back;
    int k = FramesAt(addr, ret, frames, &back);
    if (k < 0) return false;
    // One byte kept back for the empty line that ends the answer (so *len may
    // already be past size() - 1: llgi_frames_text then writes nothing).
    for (size_t before = *len;;) {
      size_t need = llgi_frames_text(frames, k, text->data(), len, text->size() - 1);
      if (*len != before) break;
      text->resize(2 * text->size() + need + 1);
    }
    (*text)[(*len)++] = '\n';
    return true;
  }

  // The count and flag of frames() and text(), after bind().
  bool BoundArgs(const Napi::CallbackInfo& info, const char* what, size_t* n, bool* ret) {
    if (!addrs_ || info.Length() < 2 || !info[0].IsNumber()) {
      ThrowCoded(info.Env(), "LLGI_BAD_ADDRESS", (std::string(what) + " expects (count, boolean) after bind").c_str());
      return false;
    }
    *n = info[0].As<Napi::Number>().Uint32Value();
    if (*n > naddrs_) *n = naddrs_;
    *ret = info[1].ToBoolean().Value();
    return true;
  }

  // gc's frames of address addr (see frames()); -1 when the table is refused.
  int FramesAt(uint64_t addr, bool ret, llgi_frame* frames, uint32_t* back) {
    uint64_t pc = addr - bias_;
    *back = 0;
    if (ret) {
      int64_t fi = llgi_table_findfunc(&table_, pc);
      if (fi == LLGI_TABLE_REFUSED) return -1;
      if (fi >= 0 && pc > llgi_table_entry(&table_, static_cast<uint32_t>(fi))) *back = 1;
    }
    int k = llgi_table_frames(&table_, pc - *back, frames, kMaxFrames);
    if (k < 0) return -1;
    if (k > kMaxFrames) k = kMaxFrames;  // deeper inline chains are cut (innermost kept)
    return llgi_frames_elide_wrapper(&table_, frames, k);
  }

  llgi_table table_{};
  Napi::ObjectReference buffer_;
  Napi::ObjectReference sums_;
  Napi::Reference<Napi::ArrayBuffer> state_;  // first-use validation states (empty when adopted whole)
  // What bind() gave frames(): the arrays (kept alive by the references) and the bias.
  Napi::ObjectReference addrs_ref_;
  Napi::ObjectReference out_ref_;
  const uint64_t* addrs_ = nullptr;
  size_t naddrs_ = 0;
  uint32_t* out_ = nullptr;
  size_t nout_ = 0;
  uint64_t bias_ = 0;
  bool adopted_ = false;
};


}  // namespace llgi

#endif  // LLGI_NATIVE_TABLE_H
