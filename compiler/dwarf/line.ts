// .debug_line (DWARF 2-5): one line-number program's valid sequences plus
// each file index's path, resolved exactly as llvm-symbolizer prints it so our
// output can be compared byte for byte with LLVM's. The reader is the C one
// (runtime/src/dwarf/line.c, through the addon); this module builds the
// objects the table builder and tests use from its typed arrays.

import type { DwarfSections } from './reader';

export interface LineRow {
  address: number;
  file: number;
  line: number;
  column: number;
  isStmt: boolean;
}

export interface LineSequence {
  lowPc: number;
  /** Address of the end_sequence row (exclusive end). */
  highPc: number;
  /** Rows in emission order, without the end_sequence row. */
  rows: LineRow[];
}

export interface LineTable {
  offset: number;
  version: number;
  /** Resolved path per DWARF file index (v5: 0-based; v2-4: 1-based, [0] undefined). */
  files: (string | undefined)[];
  sequences: LineSequence[];
}

/** A file entry as recorded in the header (or added by DW_LNE_define_file). */
export interface FileEntry {
  name: string | undefined;
  dirIndex: number;
}

function addon(): typeof import('../../lib/native') {
  // Loaded on first use: the CLI loads compiler code on lazy paths too.
  return require('../../lib/native') as typeof import('../../lib/native');
}

/**
 * The line table at `offset` of .debug_line, relative paths joined to
 * compDir. Corrupt input throws LLGI_DWARF_CORRUPT; addresses that are
 * tombstones (upper half all ones) read as Number.MAX_SAFE_INTEGER.
 */
export function parseLineTable(s: DwarfSections, offset: number, compDir: string): LineTable {
  const { native, coded } = addon();
  const t = coded(() => native().dwarfLineTable(s, offset, compDir));
  const { seqs, address, fields } = t;
  const sequences: LineSequence[] = [];
  for (let q = 0; q < seqs.length; q += 4) {
    const rows: LineRow[] = [];
    for (let i = seqs[q + 2], end = i + seqs[q + 3]; i < end; i++) {
      const f = i * 4;
      rows.push({ address: address[i], file: fields[f], line: fields[f + 1], column: fields[f + 2], isStmt: fields[f + 3] !== 0 });
    }
    sequences.push({ lowPc: seqs[q], highPc: seqs[q + 1], rows });
  }
  return { offset, version: t.version, files: t.files.map((f) => f ?? undefined), sequences };
}

/**
 * The path llvm-symbolizer prints for a file entry: LLVM's
 * Prologue::getFileNameByIndex with FileLineInfoKind::AbsoluteFilePath
 * (llgi_dline_path, the rule the reader applies).
 */
export function resolveFileName(version: number, includeDirs: (string | undefined)[], entry: FileEntry, compDir: string): string | undefined {
  if (entry.name === undefined) return undefined;
  return addon().native().dwarfLinePath(version, includeDirs.map((d) => d ?? null), entry.name, entry.dirIndex, compDir);
}
