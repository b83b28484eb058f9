#!/usr/bin/env node
// The llgo-introspect command line.

import fs from 'node:fs';
import { parseArgs } from 'node:util';
import path from 'node:path';
import { postlink } from '../compiler/embed/postlink';
import { reserveSource } from '../compiler/embed/reserve';
import { LlgiError, isLlgiError } from '../compiler/errors';
import { symbolizeCore } from './core';
import { symbolizeCrash, type CrashFrame } from './crash-symbolize';
import { runDemo } from './demo';
import { isGoTraceback, symbolizeGoTraceback } from './gotraceback';
import { load } from './live';
import { gc, memProfile, memProfileRate, setMemProfileRate } from './memprofile';
import { formatTopLines, topLines, writeHeapProfile } from './pprof';
import { Symbolizer, formatFrames, type Frame } from './symbolize';

const USAGE = `usage: llgo-introspect <command> [options]

commands:
  symbolize <binary> [addr...]   symbolize link-time addresses (hex 0x... or decimal);
                                 with no addr arguments, addresses are read from stdin
      --json                     machine-readable output
      -r, --return-addresses     treat addresses as return addresses (look up addr-1)
      --strict                   fail on corrupt DWARF or llgo tables instead of answering from symbols
      --gc-names                 print gc's spelling of llgo names (docs/llgo.md)
      --pclntab FILE             llgo's LLGOPCL1 sidecar of an executable built with -pclntab=external
                                 (default: <binary>.pclntab when the binary needs one)
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
`;

class UsageError extends Error {}

function hex(v: bigint): string {
  return `0x${v.toString(16)}`;
}

function frameJson(f: Frame) {
  return {
    pc: hex(f.pc), function: f.function, gcFunction: f.gcFunction, file: f.file, line: f.line, entry: hex(f.entry), inlined: f.inlined,
    functionSource: f.functionSource, lineSource: f.lineSource,
  };
}

function symbolizeCommand(argv: string[]): void {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      json: { type: 'boolean' },
      'return-addresses': { type: 'boolean', short: 'r' },
      strict: { type: 'boolean' },
      'gc-names': { type: 'boolean' },
      pclntab: { type: 'string' },
    },
  });
  const [binary, ...words] = positionals;
  if (!binary) throw new UsageError('symbolize needs a binary');
  const addrs = words.length ? words : fs.readFileSync(0, 'utf8').split(/\s+/).filter(Boolean);
  const sym = Symbolizer.open(binary, { strict: values.strict, llgoSidecar: values.pclntab });
  for (const w of sym.report?.warnings ?? []) process.stderr.write(`llgo-introspect: warning: ${w}\n`);
  const results = sym.symbolize(addrs, { returnAddresses: values['return-addresses'] });
  if (values.json) {
    const out = results.map((frames, i) => ({ address: addrs[i], frames: frames.map(frameJson) }));
    process.stdout.write(JSON.stringify(out, null, 2) + '\n');
    return;
  }
  const shown = values['gc-names'] ? results.map((frames) => frames.map((f) => ({ ...f, function: f.gcFunction }))) : results;
  process.stdout.write(shown.map((frames) => (frames.length ? formatFrames(frames) : '?\n\t?:0\n')).join('\n'));
}

function crashFrameJson(f: CrashFrame) {
  return {
    pc: hex(f.pc), module: f.module, buildId: f.buildId, offset: f.offset === null ? null : hex(f.offset), binary: f.binary,
    problem: f.problem, frames: f.frames.map(frameJson),
  };
}

function crashCommand(argv: string[]): void {
  const { values, positionals } = parseArgs({
    args: argv, allowPositionals: true,
    options: { binary: { type: 'string', multiple: true }, dir: { type: 'string', multiple: true }, json: { type: 'boolean' } },
  });
  if (positionals.length !== 1) throw new UsageError('crash needs one file (- for stdin)');
  const file = positionals[0];
  let text: string;
  try {
    text = fs.readFileSync(file === '-' ? 0 : file, 'utf8');
  } catch (e) {
    throw new LlgiError('LLGI_IO', `cannot read ${file}: ${(e as Error).message}`);
  }
  if (isGoTraceback(text)) {
    // A Go panic traceback (gc's or llgo's): parsed, each frame checked against the binaries given.
    const tb = symbolizeGoTraceback(text, { binaries: values.binary });
    if (values.json) process.stdout.write(JSON.stringify(tb, (_, v) => (typeof v === 'bigint' ? hex(v) : v), 2) + '\n');
    else process.stdout.write(tb.text);
    return;
  }
  const sc = symbolizeCrash(text, { binaries: values.binary, dirs: values.dir });
  if (!values.json) {
    process.stdout.write(sc.text);
    for (const f of sc.frames) if (f.problem && f.module) process.stderr.write(`llgo-introspect: ${f.module}+0x${f.offset!.toString(16)}: ${f.problem}\n`);
    return;
  }
  const frames = sc.frames.map(crashFrameJson);
  const signal = sc.signal && { ...sc.signal, addr: hex(sc.signal.addr) };
  process.stdout.write(JSON.stringify({ signal, pid: sc.pid, thread: sc.thread, totalFrames: sc.totalFrames, elided: sc.elided, frames }, null, 2) + '\n');
}

function coreCommand(argv: string[]): void {
  const { values, positionals } = parseArgs({
    args: argv, allowPositionals: true,
    options: {
      binary: { type: 'string', multiple: true }, dir: { type: 'string', multiple: true }, module: { type: 'string', multiple: true },
      json: { type: 'boolean' },
    },
  });
  if (positionals.length !== 1) throw new UsageError('core needs one core file');
  const sc = symbolizeCore(positionals[0], { binaries: values.binary, dirs: values.dir, modules: values.module });
  if (!values.json) {
    process.stdout.write(sc.text);
    return;
  }
  const threads = sc.threads.map((t) => ({
    tid: t.tid, signal: t.signal && { ...t.signal, addr: hex(t.signal.addr) }, pc: hex(t.pc), fp: hex(t.fp), sp: hex(t.sp),
    totalFrames: t.totalFrames, elided: t.elided, frames: t.frames.map(crashFrameJson),
  }));
  process.stdout.write(JSON.stringify({ pid: sc.pid, executable: sc.executable, warnings: sc.warnings, threads }, null, 2) + '\n');
}

function reserveCommand(argv: string[]): void {
  const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: { output: { type: 'string', short: 'o' } } });
  if (positionals.length !== 1) throw new UsageError('reserve needs one size in bytes');
  const text = reserveSource(intOption('reserve', positionals[0]));
  if (values.output && values.output !== '-') fs.writeFileSync(values.output, text);
  else process.stdout.write(text);
}

function postlinkCommand(argv: string[]): void {
  const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: { output: { type: 'string', short: 'o' } } });
  if (positionals.length !== 1) throw new UsageError('postlink needs one binary');
  const r = postlink(positionals[0], { output: values.output });
  for (const w of r.report.warnings) process.stderr.write(`llgo-introspect: warning: ${w}\n`);
  const index = r.sumsBytes ? ` + ${r.sumsBytes}-byte checksum index` : ', no checksum index';
  process.stdout.write(`${r.output}: embedded ${r.tableBytes}${index} in ${r.reservedBytes} reserved bytes (${r.functions} functions)\n`);
}

function intOption(name: string, v: string): number {
  const n = Number(v);
  if (!/^-?\d+$/.test(v.trim()) || !Number.isSafeInteger(n)) throw new UsageError(`${name} needs an integer, got ${JSON.stringify(v)}`);
  return n;
}

function profileCommand(argv: string[]): void {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      call: { type: 'string' },
      arg: { type: 'string', multiple: true },
      rate: { type: 'string' },
      output: { type: 'string', short: 'o' },
      text: { type: 'boolean' },
    },
  });
  const [so, ...extra] = positionals;
  if (!so) throw new UsageError('profile needs a module');
  if (extra.length) throw new UsageError(`profile takes one module, got also ${extra.join(' ')}`);
  if (!values.call) throw new UsageError('profile needs --call <function>');
  const args = (values.arg ?? []).map((a) => intOption('--arg', a));
  const rate = values.rate === undefined ? undefined : intOption('--rate', values.rate);
  const format = values.text ? 'text' : 'proto';
  const output = values.output ?? (values.text ? 'heap.txt' : 'heap.pb.gz');
  const log = output === '-' ? process.stderr : process.stdout;

  const m = load(so);
  if (m.symbol(values.call) === null) throw new LlgiError('LLGI_BAD_ARGUMENT', `${m.path} exports no function ${values.call}`);
  if (rate !== undefined) setMemProfileRate(rate);
  // Module.call, not koffi: on the thread's own stack, which libgc (llgo modules) can scan.
  const result = BigInt.asIntN(32, m.call(values.call, ...args));
  gc();
  const records = memProfile({ inuseZero: true });
  writeHeapProfile(output === '-' ? process.stdout : output, { format, records });
  log.write(`${values.call}(${args.join(', ')})${args.length ? ` = ${result}` : ''}\n`);
  log.write(`wrote ${output === '-' ? 'stdout' : output}: ${format === 'text' ? 'legacy text' : 'profile.proto'}, rate ${memProfileRate()}, ${records.length} record(s)\n`);
  const top = topLines(records, { n: 10 });
  if (top.length) log.write(`top allocation sites (estimates, by alloc_space):\n${formatTopLines(top, { base: (f) => path.basename(f) })}`);
}

/** Exit status of `conformance` when a difference is not a known deviation. */
const REGRESSIONS = 3;

function conformanceCommand(argv: string[]): number {
  const { values, positionals } = parseArgs({
    args: argv, allowPositionals: true, options: { subject: { type: 'string' }, json: { type: 'boolean' }, 'go-tests': { type: 'boolean' } },
  });
  // Required here: the harness and its drivers stay off the path of every other command.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const c = require('./conformance/index') as typeof import('./conformance/index');
  const subject = (values.subject ?? 'llgo') as import('./conformance/index').Subject;
  if (!c.SUBJECTS.includes(subject)) throw new UsageError(`unknown subject ${JSON.stringify(values.subject)}: expected ${c.SUBJECTS.join(' or ')}`);
  if (values['go-tests']) {
    if (positionals.length) throw new UsageError('conformance --go-tests takes no module or package');
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return (require('./conformance/gotests') as typeof import('./conformance/gotests')).goTestsCommand(subject, !!values.json);
  }
  if (positionals.length !== 0 && positionals.length !== 2) throw new UsageError('conformance takes a Go module directory and a package, or nothing');
  const scenarios = positionals.length
    ? [{ name: path.basename(positionals[1]), module: path.resolve(positionals[0]), pkg: positionals[1] }]
    : c.bundledScenarios();
  const reports = scenarios.map((s) => ({ scenario: s.name, ...c.check(s, subject) }));
  if (values.json) process.stdout.write(JSON.stringify(reports, (_, v) => (typeof v === 'bigint' ? `0x${v.toString(16)}` : v), 2) + '\n');
  else for (const r of reports) process.stdout.write(`scenario ${r.scenario}: ${c.formatReport(r)}`);
  return reports.some((r) => r.regressions.length) ? REGRESSIONS : 0;
}

export function main(argv: string[]): number {
  const [cmd, ...rest] = argv;
  try {
    switch (cmd) {
      case 'symbolize':
        symbolizeCommand(rest);
        return 0;
      case 'profile':
        profileCommand(rest);
        return 0;
      case 'crash':
        crashCommand(rest);
        return 0;
      case 'core':
        coreCommand(rest);
        return 0;
      case 'reserve':
        reserveCommand(rest);
        return 0;
      case 'postlink':
        postlinkCommand(rest);
        return 0;
      case 'conformance':
        return conformanceCommand(rest);
      case 'demo':
        runDemo(process.stdout);
        return 0;
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        process.stdout.write(USAGE);
        return cmd === undefined ? 2 : 0;
      default:
        throw new UsageError(`unknown command ${JSON.stringify(cmd)}`);
    }
  } catch (e) {
    if (e instanceof UsageError || (e as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      process.stderr.write(`llgo-introspect: ${(e as Error).message}\n\n${USAGE}`);
      return 2;
    }
    if (isLlgiError(e)) {
      process.stderr.write(`llgo-introspect: ${e.message} [${e.code}]\n`);
      return 1;
    }
    throw e;
  }
}

if (require.main === module) process.exitCode = main(process.argv.slice(2));

