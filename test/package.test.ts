// The installed package as users see it: `require('llgo-introspect')` through
// the exports map, typings beside the entry, the bin, and the built addon.

import test from 'ava';
import fs from 'node:fs';
import path from 'node:path';

const ROOT = path.join(__dirname, '..');
const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));

test('package.json declares the CommonJS entry, types, exports, bin, engines and gypfile', (t) => {
  t.is(pkg.name, 'llgo-introspect');
  t.is(pkg.main, 'dist/lib/index.js');
  t.is(pkg.types, 'dist/lib/index.d.ts');
  t.is(pkg.exports['.'].require, './dist/lib/index.js');
  t.is(pkg.exports['.'].types, './dist/lib/index.d.ts');
  t.is(pkg.bin['llgo-introspect'], 'dist/lib/cli.js');
  t.regex(pkg.engines.node, /^>=20/);
  t.true(pkg.gypfile);
});

test('require() of the package root gives the public API (built by npm install)', (t) => {
  // Resolve as a dependent would: through package.json's exports map.
  const resolved = require.resolve('llgo-introspect', { paths: [path.join(ROOT, 'node_modules'), path.dirname(ROOT)] });
  t.is(resolved, path.join(ROOT, 'dist', 'lib', 'index.js'));
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const api = require(resolved);
  for (const name of ['symbolize', 'Symbolizer', 'formatFrames', 'parseAddress', 'LlgiError', 'isLlgiError']) {
    t.is(typeof api[name], 'function', name);
  }
  t.true(fs.existsSync(path.join(ROOT, 'dist', 'lib', 'index.d.ts')));
  t.regex(fs.readFileSync(path.join(ROOT, 'dist', 'lib', 'cli.js'), 'utf8'), /^#!\/usr\/bin\/env node/);
  t.true(fs.existsSync(path.join(ROOT, 'build', 'Release', 'llgi.node')));
});
