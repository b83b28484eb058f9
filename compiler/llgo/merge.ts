// Merges llgo's tables into the function model built from the symbol table
// and DWARF (docs/llgo.md):
// - an entry site names the function that owns its pc, when that function's
//   symbol is the record's (others are LTO inline copies, docs/llgo-format.md
//   §3.7); llgo's display name wins; a site no symbol owns (stripped binary)
//   starts a function at the anchor, as llgo's first-use table does (§4.6);
// - lines: llgo's record line from the entry, refined by the statement sites
//   of the same function (§5.3), whatever DWARF says: that is what llgo's own
//   runtime answers, and it shows no inlined frames, so neither do we for a
//   function llgo names.

import { countAtOrBelow } from '../search';
import type { FuncModel, LinePoint } from '../table/model';
import type { LlgoTables } from './read';

interface LlgoFuncModel extends FuncModel {
  llgoFunc?: number;
  llgoSites?: LinePoint[];
}

/** The function containing pc in entry-sorted `list`, if any. */
function ownerOf(list: FuncModel[], pc: number): number {
  const i = countAtOrBelow(list, pc, (f) => f.entry) - 1;
  if (i < 0) return -1;
  const f = list[i];
  const end = f.size !== undefined ? f.entry + f.size : i + 1 < list.length ? list[i + 1].entry : Infinity;
  return pc < end ? i : -1;
}

/** Applies llgo's names to `funcs` (by entry) and adds functions for unowned sites; call before lines are laid out. */
export function mergeLlgoFunctions(funcs: Map<number, FuncModel>, t: LlgoTables): void {
  const list = [...funcs.values()].sort((a, b) => a.entry - b.entry);
  const claimed = new Set<number>();
  const added: LlgoFuncModel[] = [];
  for (const e of t.entries) {
    const rec = t.funcs[e.func];
    const i = ownerOf(list, e.pc);
    if (i >= 0) {
      const f = list[i] as LlgoFuncModel;
      // With a symbol table, the owner's symbol must be the record's: other sites are inline copies.
      if (f.fromSymtab && f.name !== rec.symbol) continue;
      if (claimed.has(f.entry)) continue;
      claimed.add(f.entry);
      f.name = rec.name;
      f.llgoName = true;
      f.llgoFunc = e.func;
    } else if (!funcs.has(e.pc)) {
      added.push({ entry: e.pc, name: rec.name, fromSymtab: false, fromDwarf: false, llgoName: true, llgoFunc: e.func, lines: [], paints: [] });
    }
  }
  for (const f of added) funcs.set(f.entry, f);
  if (!t.lines.length) return;
  const all = (added.length ? [...funcs.values()].sort((a, b) => a.entry - b.entry) : list) as LlgoFuncModel[];
  for (const s of t.lines) {
    const i = ownerOf(all, s.pc);
    // A site counts only inside the function it was recorded for (§5.3's entry check).
    if (i < 0 || all[i].llgoFunc !== s.func) continue;
    const rec = t.funcs[s.func];
    (all[i].llgoSites ??= []).push({ pc: s.pc, file: s.file || rec.file || undefined, line: s.line || rec.line });
  }
}

/** Lays out llgo's lines; call after DWARF's lines were assigned to every function. */
export function mergeLlgoLines(list: FuncModel[], t: LlgoTables): void {
  for (const f of list as LlgoFuncModel[]) {
    if (f.llgoFunc === undefined) continue;
    const rec = t.funcs[f.llgoFunc];
    const sites = f.llgoSites ?? [];
    const start: LinePoint = rec.file ? { pc: f.entry, file: rec.file, line: rec.line } : { pc: f.entry, line: 0 };
    // Equal pcs: the later site wins (§5.2); equal neighbours merge as the writer requires.
    const byPc = new Map<number, LinePoint>([[f.entry, start]]);
    for (const s of sites.sort((a, b) => a.pc - b.pc)) byPc.set(s.pc, s);
    const points: LinePoint[] = [];
    for (const p of byPc.values()) {
      const prev = points[points.length - 1];
      if (!prev || prev.file !== p.file || prev.line !== p.line) points.push(p);
    }
    f.lines = points;
    // llgo's runtime never expands inlined calls (its tracked functions are
    // noinline): DWARF's inline frames would be answers it does not give.
    f.paints = [];
    f.llgoLines = true;
    delete f.llgoSites;
    delete f.llgoFunc;
  }
}
