// BoundedMap (lib/bounded-map.ts) against a model: a list of entries in
// insertion order, the oldest dropped first once there are `max`.

import test from 'ava';
import fc from 'fast-check';
import { BoundedMap } from '../lib/bounded-map';

type Op = { set: [number, number] } | { get: number } | { drop: number };

const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ set: fc.tuple(fc.integer({ min: 0, max: 20 }), fc.integer()) }),
  fc.record({ get: fc.integer({ min: 0, max: 20 }) }),
  fc.record({ drop: fc.integer({ min: 0, max: 3 }) }),
);

test('BoundedMap holds at most max entries, drops the oldest insertion first, and deleteWhere removes exactly the matches', (t) => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 8 }), fc.array(op, { maxLength: 200 }), (max, ops) => {
      const m = new BoundedMap<number, number>(max);
      let model: [number, number][] = [];
      for (const o of ops) {
        if ('set' in o) {
          const [k, v] = o.set;
          const i = model.findIndex(([mk]) => mk === k);
          if (i >= 0) model[i] = [k, v]; // an update keeps its place
          else {
            if (model.length === max) model.shift();
            model.push([k, v]);
          }
          m.set(k, v);
        } else if ('get' in o) {
          if (m.get(o.get) !== model.find(([mk]) => mk === o.get)?.[1]) return false;
        } else {
          const r = o.drop;
          model = model.filter(([, v]) => Math.abs(v) % 4 !== r);
          m.deleteWhere((v) => Math.abs(v) % 4 === r);
        }
        if (m.size !== model.length || m.size > max) return false;
      }
      return model.every(([k, v]) => m.get(k) === v);
    }),
    { numRuns: 500, seed: 7 },
  );
  t.pass();
});
