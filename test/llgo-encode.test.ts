// llgo's encoders against the test vectors of docs/llgo-format.md Appendix A,
// which were checked against llgo's own encoder functions.

import test from 'ava';
import {
  LLGOMET1, buildHash, buildStrings, encodeTables, fnv1a32, joinQualified, pclineId, splitFile, splitQualified, symbolId,
} from '../compiler/llgo/encode';
import { encodePrebuilt, parsePrebuilt, LLGOFTB1 } from '../compiler/llgo/ftb';
import { gcName, publicName } from '../compiler/llgo/names';

const b = (s: string) => Buffer.from(s, 'utf8');

test('symbolID (FNV-1a 64, 0 -> 1) matches the spec vectors', (t) => {
  t.is(symbolId('main.main'), 0x88eef770c5aaa63bn);
  t.is(symbolId('main.allocOne'), 0x128fa13b4a87fc61n);
  t.is(symbolId('runtime.main'), 0x8167bd4f8f7c4ccen);
  t.is(symbolId('main'), 0x1f5962a2ce9803c8n);
  t.is(symbolId('github.com/xgo-dev/llgo/runtime/internal/runtime.AllocZ'), 0x15f0537c95a51e54n);
});

test('FNV-1a 32 and pclineID match the spec vectors', (t) => {
  t.is(fnv1a32(b('main.main')), 0xa8eba51b);
  t.is(fnv1a32(b('main.allocOne')), 0xc5346581);
  t.is(fnv1a32(b('example.com/p.(*T).M')), 0x1b292d4d);
  t.is(fnv1a32(b('main.f$1')), 0xb40aa79b);
  t.is(pclineId('main.main', 1), 0xdf30a1864332317an);
});

test('magic numbers read as the spec says', (t) => {
  t.is(b('LLGOFTB1').readBigUInt64LE(0), LLGOFTB1);
  t.is(b('LLGOMET1').readBigUInt64LE(0), LLGOMET1);
  t.is(LLGOFTB1, 0x314254464f474c4cn);
  t.is(LLGOMET1, 0x3154454d4f474c4cn);
});

test('qualified-name and file splits', (t) => {
  t.deepEqual(splitQualified('main.main'), ['main', 'main']);
  t.deepEqual(splitQualified('example.com/p.(*T).M'), ['example.com/p', '(*T).M']);
  t.deepEqual(splitQualified('main'), ['', 'main']);
  t.deepEqual(splitQualified('example.com/p.F[example.com/q.T]'), ['example.com/p.F[example.com/q', 'T]']);
  // The split may fall inside type arguments: only the join must round-trip.
  for (const s of ['example.com/p.F[example.com/q.T]', 'a/b', 'x.y.z', 'main']) t.is(joinQualified(...splitQualified(s)), s);
  t.deepEqual(splitFile('/src/app/main.go'), ['/src/app/', 'main.go']);
  t.deepEqual(splitFile('main.go'), ['', 'main.go']);
});

test('string table example: IDs, pool with suffix sharing, offsets', (t) => {
  const funcs = [
    { symbol: 'main.main', name: 'main.main', file: '/src/app/main.go', line: 10 },
    { symbol: 'example.com/p.(*T).M', name: 'example.com/p.(*T).M', file: '/src/p/t.go', line: 5 },
    { symbol: 'main.f$1', name: 'main.f.func1', file: '/src/app/main.go', line: 20 },
  ];
  const enc = encodeTables(funcs, [{ id: 42n, symbol: 'main.main', file: '/src/app/util.go', line: 11 }]);
  const order = ['example.com/p', '/src/app/', '/src/p/', 'f.func1', 'main.go', 'util.go', '(*T).M', 'main', 't.go', 'f$1'];
  t.deepEqual(order.map((s) => enc.strings.ids.get(s)), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  t.deepEqual(enc.strings.offsets, [0, 1, 15, 25, 33, 41, 49, 57, 64, 69, 74]);
  t.deepEqual(enc.strings.pool, Buffer.concat([Buffer.from([0]), ...order.slice(0, 9).map((s) => b(`${s}\0`)), b('f$1\0')]));
  const rec = (i: number) => [...Array(7).keys()].map((k) => enc.records.readUInt32LE(i * 28 + 4 * k));
  t.deepEqual([rec(0), rec(1), rec(2)], [[1, 7, 1, 7, 3, 9, 5], [8, 10, 8, 4, 2, 5, 20], [8, 8, 8, 8, 2, 5, 10]]);
  t.is(enc.pclineCount, 1);
  t.deepEqual([enc.pcline.readBigUInt64LE(0), enc.pcline.readUInt32LE(8), enc.pcline.readUInt32LE(12), enc.pcline.readUInt32LE(16), enc.pcline.readUInt32LE(20)], [42n, 3, 2, 6, 11]);
  t.deepEqual([...enc.hash!], [3, 1, 0, 2]);
});

test('pool suffix sharing reuses the tail of a longer string', (t) => {
  const s = buildStrings(['main.go', 'go', 'in.go']);
  t.deepEqual(s.pool, b('\0main.go\0'));
  t.deepEqual(s.offsets, [0, 1, 3, 6]);
});

test('hash table: omitted above 65535 records; 3B >= 4n sizing', (t) => {
  t.is(buildHash(Array.from({ length: 65536 }, (_, i) => `f${i}`)), null);
  t.is(buildHash(['a', 'b', 'c'])!.length, 4);
  t.is(buildHash(['a', 'b', 'c', 'd'])!.length, 8);
  t.is(buildHash(Array.from({ length: 65535 }, (_, i) => `f${i}`))!.length, 131072);
});

test('symbol index: sorted by ID; an ID shared by two records is dropped', (t) => {
  const enc = encodeTables([
    { symbol: 'main.b', name: 'main.b', file: '', line: 0 },
    { symbol: 'main.a', name: 'main.a', file: '', line: 0 },
  ], [], [{ symbol: 'main.a', name: 'main.a', file: '', line: 0 }]);
  // main.a appears twice (sorted body + tail): its ID is dropped.
  t.is(enc.symbolIndexCount, 1);
  t.is(enc.symbolIndex.readBigUInt64LE(0), symbolId('main.b'));
  t.is(enc.symbolIndex.readUInt32LE(8), 2);
});

test('LLGOFTB1 worked example (§4.3)', (t) => {
  const rows = [{ entry: 0x401000, func: 3 }, { entry: 0x401040, func: 1 }, { entry: 0x402100, func: 2 }];
  const blob = encodePrebuilt(rows, 0x402200, 0x600000);
  t.is(blob.length, 136);
  t.is(blob.readUInt32LE(24), 4);
  t.is(blob.readUInt32LE(28), 2);
  t.deepEqual([0, 1, 2, 3].map((i) => blob.readUInt32LE(32 + 8 * i)), [0, 0x40, 0x1100, 0x1200]);
  const bucket = (k: number) => [blob.readUInt32LE(64 + 36 * k), ...[...Array(16).keys()].map((s) => blob.readUInt16LE(64 + 36 * k + 4 + 2 * s))];
  t.deepEqual(bucket(0), [0, 0, ...Array(15).fill(1)]);
  t.deepEqual(bucket(1), [1, 0, ...Array(15).fill(1)]);
  const parsed = parsePrebuilt(blob, 3, 'example')!;
  t.is(parsed.base, 0x401000);
  t.deepEqual(parsed.rows.map((r) => r.entry), [0x401000, 0x401040, 0x402100, 0x402200]);
  // A wrong bucket is refused, not trusted.
  const bad = Buffer.from(blob);
  bad.writeUInt16LE(0, 64 + 4 + 2 * 5);
  t.throws(() => parsePrebuilt(bad, 3, 'example'), { code: 'LLGI_LLGO_INVALID' });
});

test('names: llgo public names and gc spelling (§8.2-§8.3)', (t) => {
  t.is(publicName('command-line-arguments.f'), 'main.f');
  t.is(publicName('_main.f'), 'main.f');
  t.is(gcName('main.f.func1'), 'main.f.func1');
  t.is(gcName('main.f$1.func2'), 'main.f.func1.2');
  t.is(gcName('main.f$1$2$3'), 'main.f.func1.2.3');
  t.is(gcName('p.(*T).M.func1'), 'p.(*T).M.func1');
  t.is(gcName('p.F[int]'), 'p.F[...]');
  t.is(gcName('p.F[map[string][]int,example.com/q.T]'), 'p.F[...]');
  t.is(gcName('p.(*T[int]).M'), 'p.(*T[...]).M');
  t.is(gcName('p.init#1'), 'p.init.0');
  t.is(gcName('p.init#3.func1'), 'p.init.2.func1');
  t.is(gcName('p.T.M$bound'), 'p.T.M-fm');
  t.is(gcName('runtime.goexit'), 'runtime.goexit');
});
