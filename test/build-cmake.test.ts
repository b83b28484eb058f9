// The second build description (docs/building.md): CMakeLists.txt, driven by
// cmake-js, builds the same addon from the same source list as binding.gyp
// (native/sources.json), and the whole of this suite passes against that
// addon too. The C runtime builds on its own, and its C probes
// pass under ctest, also with clang-19's AddressSanitizer and
// UndefinedBehaviorSanitizer.

import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SOURCES } from './helpers/runtime';
import { testWith, tools } from './helpers/tools';

const ROOT = path.join(__dirname, '..');
/** Every test file but this one: the suite, run again against the CMake addon. */
const SUITE = fs.readdirSync(path.join(ROOT, 'test')).filter((f) => f.endsWith('.test.ts') && f !== path.basename(__filename)).map((f) => `test/${f}`);
/** The nested suite's time: the whole suite, while the rest of the outer run shares the machine. */
const SUITE_MS = 30 * 60_000;

function run(cmd: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv; timeout?: number } = {}) {
  const r = spawnSync(cmd, args, { cwd: opts.cwd ?? ROOT, env: { ...process.env, ...opts.env }, encoding: 'utf8', maxBuffer: 1 << 28, timeout: opts.timeout ?? 240_000 });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

testWith(['cmake', 'gcc'], 'native/sources.json lists every runtime and addon source, each platform\'s in its own folder, and binding.gyp reads it', (t) => {
  const onDisk = (dir: string, ext: RegExp) => fs.readdirSync(path.join(ROOT, dir)).filter((f) => ext.test(f)).map((f) => `${dir}/${f}`).sort();
  // A folder under runtime/src is one platform's when the list has it as a platform; the others
  // (the DWARF readers, the table builder) are portable, as runtime/src itself.
  const all = fs.readdirSync(path.join(ROOT, 'runtime', 'src'), { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name).sort();
  const folders = all.filter((d) => d in SOURCES.platform);
  const portable = ['runtime/src', ...all.filter((d) => !folders.includes(d)).map((d) => `runtime/src/${d}`)];
  t.deepEqual([...SOURCES.runtime].sort(), portable.flatMap((d) => onDisk(d, /\.c$/)).sort(), 'the portable runtime: runtime/src and its portable folders');
  t.deepEqual(Object.keys(SOURCES.platform).sort(), folders);
  t.true(folders.includes('linux') && portable.includes('runtime/src/dwarf') && portable.includes('runtime/src/builder'));
  for (const p of folders) t.deepEqual([...SOURCES.platform[p]].sort(), onDisk(`runtime/src/${p}`, /\.c$/), `runtime/src/${p}`);
  t.deepEqual([...SOURCES.addon].sort(), onDisk('native', /\.cc$/));
  const gyp = fs.readFileSync(path.join(ROOT, 'binding.gyp'), 'utf8');
  t.regex(gyp, /require\('\.\/native\/sources\.json'\); s\.addon\.concat\(s\.runtime, s\.platform\[process\.platform\]\)/);
  t.regex(gyp, /"runtime\/src\/<!\(node -p process\.platform\)"/, 'the platform folder is an include directory');
  t.regex(fs.readFileSync(path.join(ROOT, 'CMakeLists.txt'), 'utf8'), /native\/sources\.json/);
});

/** Whether the ELF at `file` is bound at load (DT_FLAGS BIND_NOW / DT_FLAGS_1 NOW): every symbol resolved by dlopen. */
function boundNow(file: string): boolean {
  const d = run(tools.readelf!, ['-dW', file]);
  return /\(FLAGS\)\s.*\bBIND_NOW\b|\(FLAGS_1\)\s.*\bNOW\b/.test(d.out);
}

testWith(['readelf'], 'node-gyp\'s addon is bound at load: a symbol it lacks (sources out of step) fails require(), never a later call with the process', (t) => {
  t.true(boundNow(path.join(ROOT, 'build', 'Release', 'llgi.node')));
});

testWith(['cmake', 'gcc'], 'cmake-js builds the addon from CMakeLists.txt; the whole suite passes against it (LLGI_ADDON); ctest runs the C probes', (t) => {
  t.timeout(SUITE_MS + 300_000);
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'llgi-cmake-'));
  t.teardown(() => fs.rmSync(out, { recursive: true, force: true }));
  // Readable by all, as an installed addon is: the suite loads it in children that run as another user too.
  fs.chmodSync(out, 0o755);
  const b = run(process.execPath, [path.join(ROOT, 'node_modules', 'cmake-js', 'bin', 'cmake-js'), 'compile', '--out', out]);
  t.is(b.status, 0, b.out.slice(-3000));
  const addon = path.join(out, 'Release', 'llgi.node');
  t.true(fs.existsSync(addon));
  if (tools.readelf) t.true(boundNow(addon), 'bound at load, as node-gyp\'s');
  // The same interface as node-gyp's build.
  const abi = run(process.execPath, ['-p', `require(${JSON.stringify(addon)}).abiVersion === require(${JSON.stringify(path.join(ROOT, 'build', 'Release', 'llgi.node'))}).abiVersion`]);
  t.is(abi.out.trim(), 'true', abi.out);
  t.true(SUITE.length > 30, SUITE.join(' '));
  const suite = run(process.execPath, [path.join(ROOT, 'node_modules', 'ava', 'entrypoints', 'cli.mjs'), ...SUITE], { env: { LLGI_ADDON: addon }, timeout: SUITE_MS });
  t.is(suite.status, 0, suite.out.slice(-4000));
  t.regex(suite.out, /\d+ tests passed/);
  t.log(/(\d+) tests passed/.exec(suite.out)![0], 'against the CMake addon');
  const ct = run('ctest', ['--output-on-failure'], { cwd: out });
  t.is(ct.status, 0, ct.out);
  t.regex(ct.out, /100% tests passed, 0 tests failed out of 7/);
});

testWith(['cmake', 'clang', 'clangAsan'], 'the C runtime on its own, built by clang-19 with ASan and UBSan: static and shared libraries, and its C probes pass under ctest', (t) => {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'llgi-cmake-asan-'));
  t.teardown(() => fs.rmSync(out, { recursive: true, force: true }));
  const env = { CC: 'clang-19', CXX: 'clang++-19' };
  const cfg = run('cmake', ['-S', ROOT, '-B', out, '-DLLGI_SANITIZE=ON', '-DCMAKE_BUILD_TYPE=RelWithDebInfo'], { env });
  t.is(cfg.status, 0, cfg.out);
  const b = run('cmake', ['--build', out, '-j', '2'], { env });
  t.is(b.status, 0, b.out.slice(-3000));
  t.true(fs.existsSync(path.join(out, 'libllgi_runtime.a')));
  t.true(fs.existsSync(path.join(out, 'libllgi_runtime.so')));
  const ct = run('ctest', ['--output-on-failure'], { cwd: out });
  t.is(ct.status, 0, ct.out);
  t.regex(ct.out, /100% tests passed, 0 tests failed out of 7/);
});

testWith(['cmake', 'aarch64Gcc', 'qemuAarch64'], 'aarch64: the C runtime and its C tests, cross-built by Debian\'s aarch64 gcc, pass under ctest in qemu-user (walk, table, sampler, live map, interposition)', (t) => {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'llgi-cmake-aarch64-'));
  t.teardown(() => fs.rmSync(out, { recursive: true, force: true }));
  const cfg = run('cmake', ['-S', ROOT, '-B', out, '-DCMAKE_SYSTEM_NAME=Linux', '-DCMAKE_SYSTEM_PROCESSOR=aarch64',
    `-DCMAKE_C_COMPILER=${tools.aarch64Gcc}`, `-DCMAKE_CROSSCOMPILING_EMULATOR=${tools.qemuAarch64};-L;/usr/aarch64-linux-gnu`]);
  t.is(cfg.status, 0, cfg.out);
  const b = run('cmake', ['--build', out, '-j', '2']);
  t.is(b.status, 0, b.out.slice(-3000));
  // Built for aarch64: the ELF header's e_machine is EM_AARCH64 (183).
  t.is(fs.readFileSync(path.join(out, 'unit_walk')).readUInt16LE(18), 183);
  const ct = run('ctest', ['--output-on-failure'], { cwd: out });
  t.is(ct.status, 0, ct.out);
  t.regex(ct.out, /100% tests passed, 0 tests failed out of 7/);
});
