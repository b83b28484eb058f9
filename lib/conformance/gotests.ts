// The Go-test-suite mode of the conformance harness (docs/conformance.md,
// "Go's own test programs"): the self-checking programs of Go's own test/
// directory that exercise runtime introspection (runtime.Caller, Callers,
// CallersFrames, FuncForPC, and test/heapsampling.go), each built alone with
// a subject compiler, run, and judged the way Go's test runner
// (cmd/internal/testdir) judges a `// run` test: exit status 0 and the
// combined stdout+stderr equal to `<name>.out`, or empty when there is none.

import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { LlgiError } from '../../compiler/errors';
import { defaultCacheDir } from '../../compiler/toolchain/cc';
import { findGo, gccgoVersion, type GoToolchain } from '../../compiler/toolchain/gc';
import { findLlgo, type LlgoToolchain } from '../../compiler/toolchain/llgo';
import type { Subject } from './index';

/** The runtime APIs a program must call to be selected. */
export const INTROSPECTION_APIS = ['runtime.Caller', 'runtime.Callers', 'runtime.CallersFrames', 'runtime.FuncForPC'] as const;
/** Selected whatever it calls: it checks the heap profile's sampling (runtime.MemProfile). */
export const ALWAYS_SELECTED = ['heapsampling.go'];

export interface GoTestProgram {
  /** Relative to GOROOT/test: 'inline_literal.go', 'fixedbugs/issue5856.go'. */
  name: string;
  file: string;
  /** `<name>.out`, the expected combined output, when it exists. */
  golden: string | null;
  /** The test recipe as written: `run`, `run -gcflags=-l=4`. */
  recipe: string;
  /** Arguments passed to the program (`// run arg1 arg2`). */
  args: string[];
  /** The introspection APIs the source calls. */
  apis: string[];
  /** Why the harness does not run it (a recipe it does not honour, a build constraint), or null. */
  skip: string | null;
  /** `// run -t N`: the runner's timeout in seconds. */
  timeoutSeconds: number | null;
}

/** GOROOT of the machine's Go (`go env GOROOT`), else /usr/local/go. */
export function defaultGoroot(go: GoToolchain | null = findGo()): string {
  if (go) {
    const r = spawnSync(go.bin, ['env', 'GOROOT'], { encoding: 'utf8', env: go.env });
    if (r.status === 0 && r.stdout.trim()) return r.stdout.trim();
  }
  return '/usr/local/go';
}

/** cmd/internal/testdir's splitQuoted: fields split on spaces, with '…' / "…" quoting and \ escapes. */
export function splitQuoted(s: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  let quote = '';
  let escaped = false;
  for (const c of s) {
    if (escaped) escaped = false;
    else if (c === '\\') { escaped = true; continue; }
    else if (quote) { if (c === quote) { quote = ''; continue; } }
    else if (c === '"' || c === "'") { quoted = true; quote = c; continue; }
    else if (/\s/.test(c)) {
      if (quoted || cur) { out.push(cur); cur = ''; quoted = false; }
      continue;
    }
    cur += c;
  }
  if (quoted || cur) out.push(cur);
  return out;
}

const GOOS: Record<string, string> = { linux: 'linux', darwin: 'darwin', win32: 'windows', freebsd: 'freebsd', openbsd: 'openbsd' };
const GOARCH: Record<string, string> = { x64: 'amd64', arm64: 'arm64', ia32: '386', arm: 'arm', ppc64: 'ppc64le', s390x: 's390x', riscv64: 'riscv64' };

/** The runner's tag context (testdir's context.match): GOOS, GOARCH, gc, cgo, test_run and the release tags. */
function tagMatches(tag: string, goMinor: number): boolean {
  const rel = /^go1\.(\d+)$/.exec(tag);
  if (rel) return Number(rel[1]) <= goMinor;
  return tag === (GOOS[process.platform] ?? process.platform) || tag === (GOARCH[process.arch] ?? process.arch)
    || tag === 'gc' || tag === 'cgo' || tag === 'test_run';
}

/** Evaluates a `//go:build` expression (`!`, `&&`, `||`, parentheses). */
export function evalBuildExpr(expr: string, match: (tag: string) => boolean): boolean {
  const toks = expr.match(/!|&&|\|\||\(|\)|[A-Za-z0-9_.]+/g) ?? [];
  let i = 0;
  const or = (): boolean => {
    let v = and();
    while (toks[i] === '||') { i++; const r = and(); v = v || r; }
    return v;
  };
  const and = (): boolean => {
    let v = not();
    while (toks[i] === '&&') { i++; const r = not(); v = v && r; }
    return v;
  };
  const not = (): boolean => {
    if (toks[i] === '!') { i++; return !not(); }
    if (toks[i] === '(') { i++; const v = or(); i++; return v; }
    return match(toks[i++] ?? '');
  };
  return or();
}

function goMinorOf(goroot: string): number {
  try {
    const v = fs.readFileSync(path.join(goroot, 'VERSION'), 'utf8');
    const m = /go1\.(\d+)/.exec(v);
    if (m) return Number(m[1]);
  } catch { /* fall through */ }
  return 99;
}

/** Reads one test file's recipe the way cmd/internal/testdir does, and says whether this harness runs it. */
export function readProgram(testDir: string, name: string, goMinor = 99): GoTestProgram | null {
  const file = path.join(testDir, name);
  const src = fs.readFileSync(file, 'utf8');
  // The recipe is the first non-empty line that is not a build constraint.
  let recipe = '';
  for (const line of src.split('\n')) {
    if (/^\/\/go:build\b/.test(line) || /^\/\/ \+build\b/.test(line)) continue;
    recipe = line.replace(/^\/\//, '').trim();
    if (recipe) break;
  }
  const apis = INTROSPECTION_APIS.filter((a) => new RegExp(`\\b${a.replace('.', '\\.')}\\(`).test(src));
  if (!apis.length && !ALWAYS_SELECTED.includes(name)) return null;
  const fields = splitQuoted(recipe);
  const action = fields[0] ?? '';
  let rest = fields.slice(1);
  let timeoutSeconds: number | null = null;
  let skip: string | null = null;
  if (action !== 'run') {
    skip = `recipe "// ${recipe}": only "// run" is honoured`;
  } else {
    const goFlags: string[] = [];
    while (rest.length && rest[0].startsWith('-')) {
      if (rest[0] === '-t' && rest.length > 1) { timeoutSeconds = Number(rest[1]); rest = rest.slice(2); continue; }
      goFlags.push(rest[0]);
      // -goexperiment/-godebug/-gomodversion take a value; other go command flags may too (-gcflags -l=4).
      if (['-goexperiment', '-godebug', '-gomodversion', '-gcflags', '-ldflags', '-tags'].includes(rest[0]) && rest.length > 1) goFlags.push(rest[1]), rest = rest.slice(1);
      rest = rest.slice(1);
    }
    if (goFlags.length) skip = `recipe "// ${recipe}": go command flags (${goFlags.join(' ')}) are not honoured, only arguments to the program`;
  }
  if (!skip) {
    const header = src.split('\npackage')[0];
    for (const line of header.split('\n')) {
      const m = /^\/\/go:build\s+(.*)$/.exec(line);
      if (m && !evalBuildExpr(m[1], (t) => tagMatches(t, goMinor))) { skip = `build constraint "${line}" excludes this platform`; break; }
    }
  }
  const golden = file.replace(/\.go$/, '.out');
  return { name, file, golden: fs.existsSync(golden) ? golden : null, recipe, args: skip ? [] : rest, apis, skip, timeoutSeconds };
}

/**
 * The runtime-introspection programs of GOROOT/test and GOROOT/test/fixedbugs
 * (single files; *.dir tests are not considered): those calling
 * runtime.Caller, Callers, CallersFrames or FuncForPC, plus heapsampling.go.
 * Each carries `skip` when its recipe is anything but `// run [args]`.
 */
export function goTestPrograms(goroot: string = defaultGoroot()): GoTestProgram[] {
  const testDir = path.join(goroot, 'test');
  if (!fs.existsSync(testDir)) throw new LlgiError('LLGI_IO', `${testDir} does not exist: Go's test directory is needed (GOROOT ${goroot})`);
  const minor = goMinorOf(goroot);
  const out: GoTestProgram[] = [];
  for (const dir of ['', 'fixedbugs']) {
    const names = fs.readdirSync(path.join(testDir, dir)).filter((n) => n.endsWith('.go')).sort();
    for (const n of names) {
      const p = readProgram(testDir, dir ? `${dir}/${n}` : n, minor);
      if (p) out.push(p);
    }
  }
  return out;
}

export type GoTestStatus = 'pass' | 'fail' | 'build-failed' | 'skip';

export interface GoTestResult {
  name: string;
  subject: Subject;
  status: GoTestStatus;
  passed: boolean;
  /** Why it failed, did not build, or was skipped (one line). */
  reason: string | null;
  /** For a failure: the first lines of its combined output (or the compiler's first error lines). */
  output: string[];
  exitCode: number | null;
  /** Whether gc passes it (when the report compares against gc). */
  gcPassed?: boolean;
  /** gc passes it and the subject does not (did not build or failed). */
  regression: boolean;
}

export interface GoTestReport {
  subject: Subject;
  version: string;
  goroot: string;
  results: GoTestResult[];
  /** Programs run (not skipped). */
  total: number;
  passed: number;
  /** Programs gc passes that the subject fails. */
  regressions: string[];
}

export interface GoTestOptions {
  goroot?: string;
  cacheDir?: string;
  /** Per-program run timeout (default 120 s, or the recipe's -t). */
  timeoutMs?: number;
  /** Only these programs (names relative to GOROOT/test). */
  only?: string[];
  /** Run gc too and mark the programs gc passes but the subject fails (default: true unless the subject is gc). */
  compareWithGc?: boolean;
  /** Called after each program (progress). */
  onResult?: (r: GoTestResult) => void;
}

const OUTPUT_LINES = 8;

interface Compiler {
  subject: Subject;
  version: string;
  /** The cache key for the compiler's identity. */
  identity: string;
  build(src: string, out: string, cwd: string): { ok: boolean; stderr: string };
}

function compilerFor(subject: Subject): Compiler {
  const go = findGo();
  if (subject === 'gc' || subject === 'gccgo') {
    if (!go) throw new LlgiError('LLGI_TOOLCHAIN_MISSING', 'the go command is not installed (no /usr/local/go/bin/go or go on PATH; set LLGI_GO)');
    let version = go.version;
    const gcc = subject === 'gccgo' ? gccgoVersion() : null;
    if (subject === 'gccgo') {
      if (!gcc) throw new LlgiError('LLGI_TOOLCHAIN_MISSING', 'gccgo is not installed (Debian: apt-get install gccgo)');
      version = gcc;
    }
    // A single file outside any module: GOPATH mode needs no go.mod and no network.
    const env = { ...go.env, GOTOOLCHAIN: 'local', GO111MODULE: 'off', GOFLAGS: '', GOENV: 'off' };
    return {
      subject, version, identity: `${go.version}\n${gcc ?? ''}`,
      build(src, out, cwd) {
        const r = spawnSync(go.bin, ['build', ...(subject === 'gccgo' ? ['-compiler', 'gccgo'] : []), '-o', out, src], { cwd, env, encoding: 'utf8', maxBuffer: 64 << 20 });
        return { ok: !r.error && r.status === 0, stderr: r.error ? r.error.message : r.stderr };
      },
    };
  }
  if (subject === 'llgo') {
    const llgo: LlgoToolchain | null = findLlgo();
    if (!llgo) throw new LlgiError('LLGI_TOOLCHAIN_MISSING', 'llgo is not installed ($LLGO or llgo on PATH, with LLGO_ROOT; docs/llgo.md)');
    const version = `${llgo.version}${llgo.commit ? ` ${llgo.commit}` : ''}`;
    return {
      subject, version, identity: `${version}\n${fs.statSync(llgo.bin).mtimeMs}\n${go?.version ?? ''}`,
      build(src, out, cwd) {
        // llgo takes a file argument like the go command.
        const r = spawnSync(llgo.bin, ['build', '-o', out, src], { cwd, env: { ...llgo.env, GOTOOLCHAIN: 'local' }, encoding: 'utf8', maxBuffer: 64 << 20 });
        return { ok: !r.error && r.status === 0, stderr: r.error ? r.error.message : `${r.stderr}${r.stdout}` };
      },
    };
  }
  throw new LlgiError('LLGI_BAD_ARGUMENT', `unknown subject ${JSON.stringify(subject)}: expected gc, llgo or gccgo`);
}

/** The first line of a compiler's output that looks like an error (not a `# pkg` header or a warning). */
function firstErrorLines(stderr: string): string[] {
  const lines = stderr.split('\n').map((l) => l.trimEnd()).filter((l) => l && !/^#\s/.test(l) && !/^WARNING:/.test(l));
  const i = lines.findIndex((l) => /error|undefined|cannot|expected|not supported|panic|fatal/i.test(l));
  return lines.slice(i < 0 ? 0 : i, (i < 0 ? 0 : i) + OUTPUT_LINES);
}

interface Built { binary: string | null; error: string[] }

/** Builds one program alone in a temporary directory, cached by its source and the compiler's identity. */
function buildProgram(c: Compiler, p: GoTestProgram, cacheDir: string): Built {
  const src = fs.readFileSync(p.file);
  const base = path.basename(p.file, '.go');
  const h = createHash('sha256').update(c.subject).update(c.identity).update(p.name).update(src).digest('hex').slice(0, 16);
  const dir = path.join(cacheDir, 'gotests', c.subject, h);
  const out = path.join(dir, base);
  const failed = path.join(dir, 'build-failed.txt');
  if (fs.existsSync(out)) return { binary: out, error: [] };
  if (fs.existsSync(failed)) return { binary: null, error: firstErrorLines(fs.readFileSync(failed, 'utf8')) };
  fs.mkdirSync(dir, { recursive: true });
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'llgi-gotest-'));
  try {
    fs.writeFileSync(path.join(tmp, `${base}.go`), src);
    const tmpOut = path.join(tmp, base);
    const r = c.build(`./${base}.go`, tmpOut, tmp);
    if (!r.ok || !fs.existsSync(tmpOut)) {
      // A failed build is a fact about this source and compiler: cached too.
      fs.writeFileSync(failed, r.stderr || 'build failed without output');
      return { binary: null, error: firstErrorLines(r.stderr || 'build failed without output') };
    }
    fs.copyFileSync(tmpOut, `${out}.${process.pid}.tmp`);
    fs.chmodSync(`${out}.${process.pid}.tmp`, 0o755);
    fs.renameSync(`${out}.${process.pid}.tmp`, out);
    return { binary: out, error: [] };
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

/** Runs a built program with stdout and stderr into one file (their interleaving kept, as the runner's shared buffer does). */
function runProgram(binary: string, p: GoTestProgram, timeoutMs: number): { status: number | null; signal: string | null; output: string; timedOut: boolean } {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'llgi-gotest-run-'));
  const outFile = path.join(tmp, 'output');
  const fd = fs.openSync(outFile, 'w');
  try {
    const timeout = p.timeoutSeconds ? p.timeoutSeconds * 1000 : timeoutMs;
    const r = spawnSync(binary, p.args, { cwd: tmp, stdio: ['ignore', fd, fd], timeout, env: { ...process.env, GOENV: 'off', GOFLAGS: '', PWD: tmp } });
    fs.closeSync(fd);
    const output = fs.readFileSync(outFile, 'utf8').replace(/\r\n/g, '\n');
    const timedOut = (r.error as NodeJS.ErrnoException | undefined)?.code === 'ETIMEDOUT';
    return { status: r.status, signal: r.signal, output, timedOut };
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

function judge(c: Compiler, p: GoTestProgram, cacheDir: string, timeoutMs: number): GoTestResult {
  const base = { name: p.name, subject: c.subject, output: [] as string[], exitCode: null as number | null, regression: false };
  if (p.skip) return { ...base, status: 'skip', passed: false, reason: p.skip };
  const b = buildProgram(c, p, cacheDir);
  if (!b.binary) return { ...base, status: 'build-failed', passed: false, reason: b.error[0] ?? 'build failed', output: b.error };
  const r = runProgram(b.binary, p, timeoutMs);
  const want = p.golden ? fs.readFileSync(p.golden, 'utf8') : '';
  const lines = r.output.split('\n').filter((l, i, a) => l || i < a.length - 1).slice(0, OUTPUT_LINES);
  if (r.timedOut) return { ...base, status: 'fail', passed: false, reason: `timed out after ${p.timeoutSeconds ? p.timeoutSeconds * 1000 : timeoutMs} ms`, output: lines };
  if (r.status !== 0) {
    const why = r.signal ? `killed by ${r.signal}` : `exit status ${r.status}`;
    return { ...base, status: 'fail', passed: false, reason: `${why}${lines[0] ? `: ${lines[0]}` : ''}`, output: lines, exitCode: r.status };
  }
  if (r.output !== want) {
    const got = r.output.split('\n');
    const exp = want.split('\n');
    let i = 0;
    while (i < got.length && i < exp.length && got[i] === exp[i]) i++;
    const reason = p.golden
      ? `output differs from ${path.basename(p.golden)} at line ${i + 1}: got ${JSON.stringify(got[i] ?? '<end>')}, want ${JSON.stringify(exp[i] ?? '<end>')}`
      : `printed output where none is expected: ${JSON.stringify(got[0])}`;
    return { ...base, status: 'fail', passed: false, reason, output: lines, exitCode: 0 };
  }
  return { ...base, status: 'pass', passed: true, reason: null, exitCode: 0 };
}

/**
 * Builds and runs every selected program (goTestPrograms) with `subject`,
 * judged as Go's test runner judges `// run`. A program that does not build
 * is a 'build-failed' result, never an exception; with compareWithGc (the
 * default for llgo and gccgo) gc runs each too and a program gc passes but the
 * subject fails is a regression.
 */
export function runGoTests(subject: Subject, opts: GoTestOptions = {}): GoTestReport {
  const c = compilerFor(subject);
  const goroot = opts.goroot ?? defaultGoroot();
  const cacheDir = opts.cacheDir ?? defaultCacheDir();
  const timeoutMs = opts.timeoutMs ?? 120_000;
  let programs = goTestPrograms(goroot);
  if (opts.only) {
    const only = new Set(opts.only);
    programs = programs.filter((p) => only.has(p.name) || only.has(path.basename(p.name)));
  }
  const gc = (opts.compareWithGc ?? subject !== 'gc') && subject !== 'gc' ? compilerFor('gc') : null;
  const results: GoTestResult[] = [];
  for (const p of programs) {
    const r = judge(c, p, cacheDir, timeoutMs);
    if (subject === 'gc' && r.status !== 'skip') r.gcPassed = r.passed;
    if (gc && r.status !== 'skip') {
      r.gcPassed = judge(gc, p, cacheDir, timeoutMs).passed;
      r.regression = r.gcPassed && !r.passed;
      if (r.regression) r.reason = `gc passes, ${subject} does not: ${r.reason}`;
    }
    results.push(r);
    opts.onResult?.(r);
  }
  const ran = results.filter((r) => r.status !== 'skip');
  return {
    subject, version: c.version, goroot, results,
    total: ran.length, passed: ran.filter((r) => r.passed).length,
    regressions: results.filter((r) => r.regression).map((r) => r.name),
  };
}

/** One line per program (`PASS`/`FAIL`/`BUILD-FAILED`/`SKIP`, name, reason) and the summary. */
export function formatGoTestReport(r: GoTestReport): string {
  const lines = [`Go's test programs (${r.goroot}/test) under ${r.subject} (${r.version}):`];
  for (const x of r.results) {
    lines.push(`${x.status.toUpperCase().padEnd(12)} ${x.name}${x.reason ? `  ${x.reason}` : ''}`);
    if (x.status === 'fail' || x.status === 'build-failed') for (const l of x.output.slice(0, 4)) lines.push(`${' '.repeat(14)}| ${l}`);
  }
  const skipped = r.results.length - r.total;
  lines.push(`${r.passed} of ${r.total} pass${skipped ? ` (${skipped} skipped)` : ''}${r.regressions.length ? `; gc passes but ${r.subject} fails: ${r.regressions.join(', ')}` : ''}`);
  return `${lines.join('\n')}\n`;
}

/** `llgo-introspect conformance --go-tests`: prints the report (or its JSON); 3 when a program gc passes fails under the subject. */
export function goTestsCommand(subject: Subject, json: boolean): number {
  const r = runGoTests(subject);
  process.stdout.write(json ? `${JSON.stringify(r, null, 2)}\n` : formatGoTestReport(r));
  return r.regressions.length ? 3 : 0;
}
