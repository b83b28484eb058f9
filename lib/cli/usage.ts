// The command line's usage text and usage errors (exit status 2). Kept free
// of imports: `llgo-introspect --help` loads this file and lib/cli.ts only.

export const USAGE = `usage: llgo-introspect <command> [options]

commands:
  symbolize [[--obj] <binary>] [addr...]
                                 symbolize link-time addresses (0x hex or decimal), taking llvm-symbolizer's
                                 input (docs/symbolization.md, "The symbolize command"). Without addr
                                 arguments, stdin is read and answered line by line: an address per line,
                                 or, when no binary is given, "<module> <address>" per line. Each answer
                                 ends with an empty line; a bad input is answered "?" with an error on
                                 stderr, and the exit status is then 1
      -e, --obj, --exe FILE      the binary (instead of the first positional argument)
      --json                     machine-readable output: one JSON object per stdin line (JSON Lines),
                                 one array for addr arguments
      -r, --return-addresses     treat addresses as return addresses (look up addr-1)
      --strict                   fail on corrupt DWARF or llgo tables instead of answering from symbols
      --gc-names                 print gc's spelling of llgo names (docs/llgo.md)
      --pclntab FILE             llgo's LLGOPCL1 sidecar of an executable built with -pclntab=external
                                 (default: <binary>.pclntab when the binary needs one; not with <module> lines)
      --cache-dir DIR            the table cache (default: $LLGI_TABLE_CACHE, else $XDG_CACHE_HOME or
                                 ~/.cache, under llgo-introspect/tables; docs/table-cache.md)
      --no-cache                 neither read nor write the table cache
  profile <module.so> --call <fn> heap profile of one call into a module (docs/memprofile.md)
      --arg N                    an int argument (repeat, at most 6): fn is int (int, ...);
                                 without --arg, fn is void (void)
      --rate N                   MemProfileRate for the call (default 524288; 1 = every allocation)
      -o, --output FILE          where to write the profile (default heap.pb.gz, heap.txt with --text;
                                 - = stdout, the summary then goes to stderr)
      --text                     gc's legacy text format instead of gzipped profile.proto
  conformance [<module> <pkg>]    build a Go scenario with gc and with a subject compiler, run both, and
                                 list every difference in their runtimes' stacks (docs/conformance.md);
                                 default: the bundled scenarios. Exit status 3 when there are regressions
      --subject NAME             the compiler under test: llgo (default), gccgo or gc
      --json                     the structured report
      --go-tests                 instead: run the runtime-introspection programs of Go's own test/ directory
                                 (Caller, Callers, CallersFrames, FuncForPC, heapsampling.go) under the subject,
                                 one PASS/FAIL/BUILD-FAILED/SKIP line each; exit status 3 when one gc passes fails
  crash <file>                   symbolize a crash record (installCrashHandler's JSON) or an address list
                                 (path+0xoff, path(sym+0xoff) [0xpc]) in gc's traceback layout, or check a Go
                                 panic traceback (gc's or llgo's) against --binary (docs/crash.md); - = stdin
      --binary FILE              a binary to use, matched by build-id (repeat)
      --dir DIR                  a directory to search for binaries by build-id (repeat)
      --json                     the symbolized frames
  core <core>                    every thread of an ELF core file, walked through its memory and printed in gc's
                                 traceback layout (docs/crash.md)
      --binary FILE              a binary to use, matched by build-id (repeat)
      --dir DIR                  a directory to search for binaries by build-id (repeat)
      --module NAME              a file whose code keeps frame pointers (repeat; default: every file
                                 outside /lib, /usr/lib and the executable)
      --json                     the threads and their symbolized frames
  reserve <bytes> [-o file.s]    assembler source reserving space for an embedded table
                                 (add it to the link; docs/embedding.md); default: stdout
  postlink <binary> [-o out]     embed the binary's LLGI table in its reserved note, in place
                                 (or into out); load() then adopts it without building
  demo                           build the bundled example with cc and show what the toolkit does
  help                           this text

Output into a closed pipe (| head) ends the command quietly with status 0.
`;

export class UsageError extends Error {}

export function intOption(name: string, v: string): number {
  const n = Number(v);
  if (!/^-?\d+$/.test(v.trim()) || !Number.isSafeInteger(n)) throw new UsageError(`${name} needs an integer, got ${JSON.stringify(v)}`);
  return n;
}
