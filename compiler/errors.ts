// Typed errors shared by every layer. A caller can branch on `code` without
// parsing messages; the message always names the file/section/offset at fault.

export type LlgiErrorCode =
  | 'LLGI_IO' // file missing or unreadable
  | 'LLGI_NOT_ELF' // no ELF magic
  | 'LLGI_ELF_UNSUPPORTED' // wrong class, endianness or machine
  | 'LLGI_ELF_TRUNCATED' // a header/section/segment points past the end of the file
  | 'LLGI_ELF_CORRUPT' // inconsistent ELF structure (bad string index, entsize, ...)
  | 'LLGI_DWARF_CORRUPT' // a DWARF section could not be decoded
  | 'LLGI_TABLE_INVALID' // an LLGI table failed validation in the C reader
  | 'LLGI_LLGO_INVALID' // llgo's funcinfo tables or sections are inconsistent (docs/llgo-format.md)
  | 'LLGI_LLGO_SIDECAR_MISSING' // an executable built with -pclntab=external has no <exe>.pclntab beside it (docs/llgo.md)
  | 'LLGI_TABLE_TOO_LARGE' // a table would exceed the format's 32-bit offsets
  | 'LLGI_EMBED_MISSING' // a binary has no reserved .note.llgi table note (docs/embedding.md)
  | 'LLGI_EMBED_TOO_SMALL' // the reserved note is smaller than the table (docs/embedding.md)
  | 'LLGI_BAD_ADDRESS' // an address argument is malformed or out of range
  | 'LLGI_BAD_ARGUMENT' // another argument is malformed (a signature, an option)
  | 'LLGI_LOAD_FAILED' // dlopen refused the library (unresolved symbols, constructor failure, ...)
  | 'LLGI_CLOSED' // the module was closed
  | 'LLGI_ASSERTION' // an attribution check (lib/attribution.ts) found other counts than expected
  | 'LLGI_TOOLCHAIN_MISSING' // a compiler the request needs (gc, llgo) is not installed
  | 'LLGI_SCENARIO_FAILED' // a conformance scenario program failed to run (docs/conformance.md)
  | 'LLGI_CRASH_INVALID' // a crash record or crash text cannot be read (docs/crash.md)
  | 'LLGI_CORE_INVALID' // an ELF file is not a readable core (docs/crash.md)
  | 'LLGI_NATIVE'; // the native addon is missing or failed to load

export class LlgiError extends Error {
  readonly code: LlgiErrorCode;
  constructor(code: LlgiErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'LlgiError';
    this.code = code;
  }
}

export function isLlgiError(e: unknown, code?: LlgiErrorCode): e is LlgiError {
  return e instanceof LlgiError && (code === undefined || e.code === code);
}
