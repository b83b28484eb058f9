// Address -> file:line intervals of one compile unit's line table, resolved
// exactly as llvm-symbolizer resolves an address (DWARFDebugLine::LineTable::
// lookupAddressImpl and findRowInSeq): the sequence is the first one, in
// end-address order, that ends above the address; inside it, the last row at
// or below the address (the last of several rows at one address).

import type { LineTable } from '../dwarf/line';
import type { Interval } from './intervals';

export interface LineValue {
  /** undefined when the row's file index is invalid: llvm then reports no line at all. */
  file?: string;
  line: number;
}

export function lineIntervals(table: LineTable): Interval<LineValue>[] {
  const seqs = table.sequences
    .map((s, i) => ({ s, i }))
    .sort((a, b) => a.s.highPc - b.s.highPc || a.i - b.i)
    .map((x) => x.s);
  const out: Interval<LineValue>[] = [];
  let prevHigh = -1;
  for (const seq of seqs) {
    // Addresses below an earlier-ending sequence's end resolve there (or nowhere).
    const from = Math.max(seq.lowPc, prevHigh);
    const to = seq.highPc;
    prevHigh = Math.max(prevHigh, seq.highPc);
    if (from >= to) continue;
    const rows = seq.rows;
    for (let i = 0; i < rows.length; i++) {
      // Of several rows at one address, the last one answers.
      if (i + 1 < rows.length && rows[i + 1].address <= rows[i].address) continue;
      const lo = Math.max(rows[i].address, from);
      const hi = Math.min(i + 1 < rows.length ? rows[i + 1].address : to, to);
      if (lo >= hi) continue;
      const file = table.files[rows[i].file];
      out.push({ lo, hi, value: file === undefined ? { line: 0 } : { file, line: rows[i].line } });
    }
  }
  return out.sort((a, b) => a.lo - b.lo);
}
