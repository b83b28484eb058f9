// node run.js [path/to/libhello.so]: an llgo c-shared library in Node.
//
// load() registers the module's text for stack walks, adopts its tables
// (llgo's own funcinfo tables, read from the loaded image) and, as llgo's
// c-shared libraries need, makes sure llgo's package initialisation has run
// (current llgo runs it from the library's constructor; `init: false` leaves
// it to you). Calls go through Module.call, on this thread's own stack, as
// llgo's Boehm GC requires.
const path = require('node:path');
const { load, funcForPC, setMemProfileRate, gc, memProfile, byLine } = require('llgo-introspect');

const lib = load(process.argv[2] ?? path.join(__dirname, 'libhello.so'));
console.log(`llgo init ran in: ${lib.llgoInit}; table: ${lib.tableSource}`);

// Where() returns runtime.Caller(0)'s pc: the same pc, symbolized here.
const fn = funcForPC(lib.call('Where'));
console.log(`Where: ${fn.name} at ${path.basename(fn.file)}:${fn.line}`);

// Every allocation at rate 1; stacks start at the user's line, not in llgo's runtime.
setMemProfileRate(1);
lib.call('Fill', 100);
setMemProfileRate(512 * 1024);
gc();
for (const [site, t] of byLine(memProfile())) {
  if (site.includes('hello.go')) console.log(`${path.basename(site)}: ${t.allocObjects} objects, ${t.allocBytes} bytes`);
}
