// docs/porting.md: the runtime's platform parts sit behind per-concern
// headers, with each platform's implementation in its own folder
// (runtime/src/<platform>, listed per platform in native/sources.json). The
// portable files (runtime/src itself, runtime/include) must then name no
// Linux, ELF or architecture facility in their code (comments may say what
// the Linux files do); callsite.c is the one architecture file, shared by
// every OS.

import test from 'ava';
import fs from 'node:fs';
import path from 'node:path';
import { SOURCES } from './helpers/runtime';

const ROOT = path.join(__dirname, '..');

/** Identifiers and paths only Linux, glibc's dynamic loader, ELF or one architecture has. */
const PLATFORM_ONLY = new RegExp([
  String.raw`\b(process_vm_readv|pthread_getattr_np|dl_iterate_phdr|dl_phdr_info|dlinfo|RTLD_DI_\w+|link_map|dladdr1|RTLD_DL_\w+)\b`,
  String.raw`\b(ucontext_t|uc_mcontext|REG_R[A-Z]+|gettid|tgkill|syscall|SYS_\w+)\b`,
  String.raw`\b(ElfW|Elf(32|64)_\w+|ELF64_\w+|PT_[A-Z_]+|DT_[A-Z_]+|PF_[RWX]|SHN_\w+|STT_\w+|NT_GNU_\w+|R_X86_64_\w+|R_AARCH64_\w+)\b`,
  String.raw`\b(__start_\w+|__stop_\w+|__linux__|__x86_64__|__aarch64__)\b`,
  String.raw`<(elf|link|ucontext|sys/syscall|sys/uio)\.h>`,
  String.raw`/proc/`,
].join('|'), 'g');
const ARCH_ONLY = /\b(__x86_64__|__aarch64__)\b/;

/** The file's code: comments blanked (string literals stay: a path in one is a use). */
function code(file: string): string {
  return fs.readFileSync(path.join(ROOT, file), 'utf8').replace(/\/\*[\s\S]*?\*\//g, ' ').replace(/\/\/[^\n]*/g, ' ');
}

function uses(file: string): string[] {
  return [...new Set([...code(file).matchAll(PLATFORM_ONLY)].map((m) => m[0]))];
}

test('the portable runtime names no Linux, ELF or architecture facility; callsite.c only the architectures', (t) => {
  // runtime/src and its folders that are no platform's (dwarf/, builder/).
  const dirs = ['', ...fs.readdirSync(path.join(ROOT, 'runtime', 'src'), { withFileTypes: true })
    .filter((e) => e.isDirectory() && !(e.name in SOURCES.platform)).map((e) => `${e.name}/`)];
  const portable = [
    ...SOURCES.runtime,
    ...dirs.flatMap((d) => fs.readdirSync(path.join(ROOT, 'runtime', 'src', d)).filter((f) => f.endsWith('.h')).map((f) => `runtime/src/${d}${f}`)),
    ...fs.readdirSync(path.join(ROOT, 'runtime', 'include')).map((f) => `runtime/include/${f}`),
  ];
  t.true(portable.includes('runtime/src/walk.c') && portable.includes('runtime/include/llgi_embed.h'));
  t.true(portable.includes('runtime/src/dwarf/dreader.h') && portable.includes('runtime/src/builder/build.c'));
  for (const f of portable) {
    const found = uses(f);
    if (f === 'runtime/src/callsite.c') t.true(found.length > 0 && found.every((u) => ARCH_ONLY.test(u)), `${f}: ${found.join(', ')}`);
    else t.deepEqual(found, [], f);
  }
});

test('the Linux folder is where those facilities are used: the scan finds them there', (t) => {
  const linux = fs.readdirSync(path.join(ROOT, 'runtime', 'src', 'linux')).map((f) => `runtime/src/linux/${f}`);
  const found = new Set(linux.flatMap(uses));
  for (const u of ['process_vm_readv', 'pthread_getattr_np', 'dl_iterate_phdr', 'uc_mcontext', 'SYS_gettid', 'SYS_tgkill', 'ElfW', 'DT_JMPREL',
    '__start_llgi_wrap', '/proc/', '__x86_64__', '__aarch64__', '<link.h>']) t.true(found.has(u), u);
});
