// .debug_line reader (DWARF 2-5): parses one line-number program header, runs
// its state machine and returns the valid sequences plus each file index's
// path, resolved exactly as llvm-symbolizer prints it so our output can be
// compared byte for byte with LLVM's.

import { LlgiError } from '../errors';
import { DwarfReader, DwarfSections, stringAt } from './reader';

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

// Standard opcodes.
const DW_LNS_copy = 1;
const DW_LNS_advance_pc = 2;
const DW_LNS_advance_line = 3;
const DW_LNS_set_file = 4;
const DW_LNS_set_column = 5;
const DW_LNS_negate_stmt = 6;
const DW_LNS_set_basic_block = 7;
const DW_LNS_const_add_pc = 8;
const DW_LNS_fixed_advance_pc = 9;
const DW_LNS_set_prologue_end = 10;
const DW_LNS_set_epilogue_begin = 11;
const DW_LNS_set_isa = 12;

// Extended opcodes.
const DW_LNE_end_sequence = 1;
const DW_LNE_set_address = 2;
const DW_LNE_define_file = 3;

// v5 entry-format content types.
const DW_LNCT_path = 1;
const DW_LNCT_directory_index = 2;

// Forms allowed in v5 entry formats.
const DW_FORM_data2 = 0x05;
const DW_FORM_data4 = 0x06;
const DW_FORM_data8 = 0x07;
const DW_FORM_string = 0x08;
const DW_FORM_block = 0x09;
const DW_FORM_block1 = 0x0a;
const DW_FORM_data1 = 0x0b;
const DW_FORM_flag = 0x0c;
const DW_FORM_sdata = 0x0d;
const DW_FORM_strp = 0x0e;
const DW_FORM_udata = 0x0f;
const DW_FORM_block2 = 0x03;
const DW_FORM_block4 = 0x04;
const DW_FORM_sec_offset = 0x17;
const DW_FORM_strx = 0x1a;
const DW_FORM_strp_sup = 0x1d;
const DW_FORM_data16 = 0x1e;
const DW_FORM_line_strp = 0x1f;
const DW_FORM_strx1 = 0x25;
const DW_FORM_strx2 = 0x26;
const DW_FORM_strx3 = 0x27;
const DW_FORM_strx4 = 0x28;

interface Header {
  version: number;
  minInstLength: number;
  maxOpsPerInst: number;
  defaultIsStmt: boolean;
  lineBase: number;
  lineRange: number;
  opcodeBase: number;
  standardOpcodeLengths: number[];
  /** v5: index 0 is the compilation directory; v2-4: entry i is DWARF directory i+1. */
  includeDirs: (string | undefined)[];
  fileEntries: FileEntry[];
}

export function parseLineTable(s: DwarfSections, offset: number, compDir: string): LineTable {
  if (!s.line) throw new LlgiError('LLGI_DWARF_CORRUPT', `.debug_line: section missing (line table at 0x${offset.toString(16)} requested)`);
  const r = new DwarfReader(s.line, '.debug_line', offset);
  const { length, dwarf64 } = r.initialLength();
  if (length > r.left) r.fail(`unit length 0x${length.toString(16)} runs past the end of the section`, offset);
  // The program must stop at its own unit's end, never read the next unit.
  r.end = r.pos + length;

  const header = readHeader(r, s, dwarf64);
  const sequences = runProgram(r, header);
  const files = header.fileEntries.map((f) => resolveFileName(header.version, header.includeDirs, f, compDir));
  // v2-4 file indexes are 1-based: index 0 never names a file.
  if (header.version < 5) files.unshift(undefined);
  return { offset, version: header.version, files, sequences };
}

function readHeader(r: DwarfReader, s: DwarfSections, dwarf64: boolean): Header {
  const version = r.u16();
  if (version < 2 || version > 5) r.fail(`unsupported line table version ${version}`, r.pos - 2);
  if (version >= 5) {
    r.u8(); // address_size: DW_LNE_set_address carries its own length
    r.u8(); // segment_selector_size
  }
  const headerLength = r.offset(dwarf64);
  const programStart = r.pos + headerLength;
  if (programStart > r.end) r.fail(`header_length 0x${headerLength.toString(16)} runs past the unit end`);

  const minInstLength = r.u8();
  // max_ops 0 is meaningless; treat it as the v2/v3 implicit 1 (non-VLIW).
  const maxOpsPerInst = version >= 4 ? r.u8() || 1 : 1;
  const defaultIsStmt = r.u8() !== 0;
  const lineBase = r.i8();
  const lineRange = r.u8();
  const opcodeBase = r.u8();
  const standardOpcodeLengths: number[] = [];
  for (let i = 1; i < opcodeBase; i++) standardOpcodeLengths.push(r.u8());

  const includeDirs: (string | undefined)[] = [];
  const fileEntries: FileEntry[] = [];
  if (version >= 5) {
    for (const e of readEntries(r, s, dwarf64)) includeDirs.push(e.name);
    fileEntries.push(...readEntries(r, s, dwarf64));
  } else {
    for (let dir = r.cstr(); dir !== ''; dir = r.cstr()) includeDirs.push(dir);
    for (let name = r.cstr(); name !== ''; name = r.cstr()) fileEntries.push(readV4FileTail(r, name));
  }
  if (r.pos > programStart) r.fail(`header is longer than its header_length (program should start at 0x${programStart.toString(16)})`);
  r.pos = programStart;

  return { version, minInstLength, maxOpsPerInst, defaultIsStmt, lineBase, lineRange, opcodeBase, standardOpcodeLengths, includeDirs, fileEntries };
}

/** The rest of a v2-4 file entry (or DW_LNE_define_file) after its name. */
function readV4FileTail(r: DwarfReader, name: string): FileEntry {
  const dirIndex = r.uleb();
  r.uleb(); // modification time
  r.uleb(); // file length
  return { name, dirIndex };
}

/** A v5 directory or file table: entry format, count, entries. */
function readEntries(r: DwarfReader, s: DwarfSections, dwarf64: boolean): FileEntry[] {
  const formatCount = r.u8();
  const format: { content: number; form: number }[] = [];
  for (let i = 0; i < formatCount; i++) format.push({ content: r.uleb(), form: r.uleb() });
  const count = r.uleb();
  // Without a format an entry has no bytes, so a hostile count would spin.
  if (formatCount === 0 && count !== 0) r.fail(`${count} entries but an empty entry format`);
  const entries: FileEntry[] = [];
  for (let i = 0; i < count; i++) {
    const entry: FileEntry = { name: undefined, dirIndex: 0 };
    for (const { content, form } of format) {
      const value = readForm(r, s, form, dwarf64);
      if (content === DW_LNCT_path) entry.name = typeof value === 'string' ? value : undefined;
      else if (content === DW_LNCT_directory_index) entry.dirIndex = typeof value === 'number' ? value : 0;
    }
    entries.push(entry);
  }
  return entries;
}

/**
 * Reads one attribute value of a v5 entry. Strings resolve to text; string
 * indexes (strx*, strp_sup) need context the line table lacks and yield
 * undefined; blocks and data16 (MD5) are skipped.
 */
function readForm(r: DwarfReader, s: DwarfSections, form: number, dwarf64: boolean): string | number | undefined {
  switch (form) {
    case DW_FORM_string: return r.cstr();
    case DW_FORM_line_strp: return stringAt(s.lineStr, r.offset(dwarf64), '.debug_line_str');
    case DW_FORM_strp: return stringAt(s.str, r.offset(dwarf64), '.debug_str');
    case DW_FORM_strp_sup: r.offset(dwarf64); return undefined;
    case DW_FORM_sec_offset: return r.offset(dwarf64);
    case DW_FORM_strx: r.uleb(); return undefined;
    case DW_FORM_strx1: r.u8(); return undefined;
    case DW_FORM_strx2: r.u16(); return undefined;
    case DW_FORM_strx3: r.u24(); return undefined;
    case DW_FORM_strx4: r.u32(); return undefined;
    case DW_FORM_udata: return r.uleb();
    case DW_FORM_sdata: return r.sleb();
    case DW_FORM_data1: case DW_FORM_flag: return r.u8();
    case DW_FORM_data2: return r.u16();
    case DW_FORM_data4: return r.u32();
    case DW_FORM_data8: r.skip(8); return undefined; // timestamps/sizes only; may exceed 2^53
    case DW_FORM_data16: r.skip(16); return undefined;
    case DW_FORM_block: r.skip(r.uleb()); return undefined;
    case DW_FORM_block1: r.skip(r.u8()); return undefined;
    case DW_FORM_block2: r.skip(r.u16()); return undefined;
    case DW_FORM_block4: r.skip(r.u32()); return undefined;
    default: return r.fail(`unsupported form 0x${form.toString(16)} in file/directory entry format`);
  }
}

/** Runs the line-number program from r.pos to r.end and returns LLVM-valid sequences. */
function runProgram(r: DwarfReader, h: Header): LineSequence[] {
  const sequences: LineSequence[] = [];
  // Registers wrap like LLVM's Row (uint32 line, uint16 column and file) so
  // even nonsense programs give what llvm-symbolizer prints.
  let address = 0;
  let opIndex = 0;
  let file = 1;
  let line = 1;
  let column = 0;
  let isStmt = h.defaultIsStmt;
  let rows: LineRow[] = [];

  const reset = (): void => {
    address = 0;
    opIndex = 0;
    file = 1;
    line = 1;
    column = 0;
    isStmt = h.defaultIsStmt;
    rows = [];
  };
  // DWARF 6.2.5.1: VLIW advance by operation; with max_ops 1 it is plain address arithmetic.
  const advance = (operationAdvance: number): void => {
    if (h.maxOpsPerInst === 1) {
      address += h.minInstLength * operationAdvance;
    } else {
      const ops = opIndex + operationAdvance;
      address += h.minInstLength * Math.floor(ops / h.maxOpsPerInst);
      opIndex = ops % h.maxOpsPerInst;
    }
  };
  const needLineRange = (): void => {
    if (h.lineRange === 0) r.fail('line_range is 0 but a special opcode or DW_LNS_const_add_pc needs it', r.pos - 1);
  };
  const emit = (): void => {
    rows.push({ address, file, line, column, isStmt });
  };

  while (r.pos < r.end) {
    const opcode = r.u8();
    // Opcode 0 is always extended, even with a degenerate opcode_base of 0 (as LLVM).
    if (opcode !== 0 && opcode >= h.opcodeBase) {
      needLineRange();
      const adjusted = opcode - h.opcodeBase;
      line = (line + h.lineBase + (adjusted % h.lineRange)) >>> 0;
      advance(Math.floor(adjusted / h.lineRange));
      emit();
      continue;
    }
    switch (opcode) {
      case 0: {
        const len = r.uleb();
        const extEnd = r.pos + len;
        if (extEnd > r.end) r.fail(`extended opcode length ${len} runs past the unit end`);
        if (len === 0) break; // no sub-opcode: nothing to do
        const unitEnd = r.end;
        r.end = extEnd; // operands may not run past the opcode's declared length
        const sub = r.u8();
        if (sub === DW_LNE_end_sequence) {
          // LLVM's Sequence::isValid: a sequence must cover at least one byte;
          // tombstoned (discarded-section) sequences start at all-ones.
          if (rows.length > 0 && rows[0].address < address && rows[0].address < Number.MAX_SAFE_INTEGER) {
            sequences.push({ lowPc: rows[0].address, highPc: address, rows });
          }
          reset();
        } else if (sub === DW_LNE_set_address) {
          address = r.uN(len - 1);
          opIndex = 0;
        } else if (sub === DW_LNE_define_file && h.version < 5) {
          h.fileEntries.push(readV4FileTail(r, r.cstr()));
        }
        // set_discriminator and unknown extended opcodes are skipped by length.
        r.end = unitEnd;
        r.pos = extEnd;
        break;
      }
      case DW_LNS_copy:
        emit();
        break;
      case DW_LNS_advance_pc:
        advance(r.uleb());
        break;
      case DW_LNS_advance_line:
        line = (line + r.sleb()) >>> 0;
        break;
      case DW_LNS_set_file:
        file = r.uleb() & 0xffff;
        break;
      case DW_LNS_set_column:
        column = r.uleb() & 0xffff;
        break;
      case DW_LNS_negate_stmt:
        isStmt = !isStmt;
        break;
      case DW_LNS_const_add_pc:
        needLineRange();
        advance(Math.floor((255 - h.opcodeBase) / h.lineRange));
        break;
      case DW_LNS_fixed_advance_pc:
        address += r.u16();
        opIndex = 0;
        break;
      case DW_LNS_set_basic_block:
      case DW_LNS_set_prologue_end:
      case DW_LNS_set_epilogue_begin:
        break; // flags we do not report
      case DW_LNS_set_isa:
        r.uleb();
        break;
      default:
        // Unknown standard opcode: skip the operand count the header declares.
        for (let i = 0; i < h.standardOpcodeLengths[opcode - 1]; i++) r.uleb();
    }
  }
  // A trailing sequence without end_sequence is dropped, as LLVM does.
  return sequences;
}

/**
 * The path llvm-symbolizer prints for a file entry: LLVM's
 * Prologue::getFileNameByIndex with FileLineInfoKind::AbsoluteFilePath.
 */
export function resolveFileName(version: number, includeDirs: (string | undefined)[], entry: FileEntry, compDir: string): string | undefined {
  const name = entry.name;
  if (name === undefined) return undefined;
  if (name.startsWith('/')) return name;
  let includeDir = '';
  if (version >= 5) {
    if (entry.dirIndex < includeDirs.length) includeDir = includeDirs[entry.dirIndex] ?? '';
  } else if (entry.dirIndex > 0 && entry.dirIndex <= includeDirs.length) {
    includeDir = includeDirs[entry.dirIndex - 1] ?? '';
  }
  // v5 directory 0 already is the compilation directory.
  const withCompDir = (version < 5 || entry.dirIndex !== 0) && compDir !== '' && !includeDir.startsWith('/');
  return appendPath(withCompDir ? [compDir, includeDir, name] : [includeDir, name]);
}

/**
 * llvm::sys::path::append (POSIX): joins the non-empty parts, adding '/' only
 * where the path does not already end in one, without normalising. LLVM also
 * strips a part's leading '/', but no part after the first can start with one
 * here: absolute names return early and an absolute dir drops the comp dir.
 */
function appendPath(parts: string[]): string {
  let path = '';
  for (const part of parts) {
    if (part === '') continue;
    path += path === '' || path.endsWith('/') ? part : '/' + part;
  }
  return path;
}
