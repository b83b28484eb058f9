// llgo-introspect: Go-style introspection of native shared objects from Node.

export { LlgiError, isLlgiError, type LlgiErrorCode } from '../compiler/errors';
export { parseAddress, type AddressLike } from './address';
export { Symbolizer, symbolize, formatFrames, type Frame, type SymbolizeOptions, type OpenOptions } from './symbolize';
export type { BuildReport } from '../compiler/table/build';
export { reserveSource } from '../compiler/embed/reserve';
export { postlink, type PostlinkOptions, type PostlinkResult, type Reservation } from '../compiler/embed/postlink';
export { gcName, publicName } from '../compiler/llgo/names';
export { readLlgoTables, isLlgoBinary, type LlgoTables, type LlgoFunc, type LlgoSite, type LlgoLineSite } from '../compiler/llgo/read';
export { buildLlgoFixture, type LlgoFixtureRequest, type LlgoFixture } from '../compiler/llgo/fixture';
export { load, modules, funcForPC, FUNC_CACHE_SIZE, callersFrames, trace, Module, type Func, type LiveFrame, type LoadOptions, type Trace, type TraceOptions } from './live';
export { installCrashHandler, uninstallCrashHandler, crashHandler, CRASH_SIGNALS, type CrashHandlerOptions, type CrashHandlerState, type CrashSignal } from './crash';
export { symbolizeCrash, formatCrash, parseAddressList, checkCrashRecord, type CrashRecord, type CrashRecordFrame, type CrashFrame, type CrashSymbolizeOptions, type SymbolizedCrash } from './crash-symbolize';
export { symbolizeCore, type CoreOptions, type CoreThread, type SymbolizedCore } from './core';
export { isGoTraceback, parseGoTraceback, symbolizeGoTraceback, type GoFrame, type GoGoroutine, type GoTraceback } from './gotraceback';
export type { TableSource, TableChoice, Validation } from './table-cache';
export {
  setMemProfileRate, memProfileRate, setMemProfileSeed, gc, resetMemProfile, memProfile, byLine, byFunction, recordFrames,
  type MemProfileRecord, type RecordViewOptions, type Totals,
} from './memprofile';
export {
  isAllocationPlumbing, shownFrames, trimAllocationStack, GC_RUNTIME_PREFIXES, LLGO_RUNTIME_PREFIXES, C_ALLOCATORS,
  type StackView, type TrimmedStack,
} from './shown';
export {
  writeHeapProfile, heapProfile, scaleHeapSample, topLines, formatTopLines,
  type HeapProfileOptions, type TopLine,
} from './pprof';
export {
  expectAllocations, allocationsBy, markerLine, siteOf, AllocationMismatchError,
  type ExpectedAllocations, type ExpectOptions, type AllocationRow,
} from './attribution';
