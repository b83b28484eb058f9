// `llgo-introspect symbolize`: llvm-symbolizer's ways of taking input (--obj,
// <module> <address> lines, answers streamed per line), our gc layout and
// frame fields for output (docs/symbolization.md, "The symbolize command").

import path from 'node:path';
import { parseArgs } from 'node:util';
import { isLlgiError, type LlgiError } from '../../compiler/errors';
import { Symbolizer, formatFrames, type Frame, type OpenOptions } from '../symbolize';
import { frameJson } from './json';
import { eachLineBatch, linesOf } from './lines';
import { withProgress } from './progress';
import { parseQuery, type Query } from './query';
import { UsageError } from './usage';

interface Answer {
  query: Query;
  frames: Frame[];
  error?: LlgiError;
}

/** Each module's table, opened at its first use and kept for the run (or why it cannot be opened). */
class Tables {
  private readonly opened = new Map<string, Symbolizer | LlgiError>();
  /** The same, by the name as written: resolving a path for every line would cost more than its lookup. */
  private readonly byName = new Map<string, Symbolizer | LlgiError>();

  constructor(private readonly opts: OpenOptions) {}

  get(module: string): Symbolizer {
    let t = this.byName.get(module);
    if (t === undefined) {
      const key = path.resolve(module);
      t = this.opened.get(key) ?? this.open(module);
      this.opened.set(key, t);
      this.byName.set(module, t);
    }
    if (t instanceof Symbolizer) return t;
    throw t;
  }

  private open(module: string): Symbolizer | LlgiError {
    try {
      const t = withProgress(`building the table of ${path.basename(module)}`, (onProgress) => Symbolizer.open(module, { ...this.opts, onProgress }));
      for (const w of t.report?.warnings ?? []) process.stderr.write(`llgo-introspect: warning: ${w}\n`);
      return t;
    } catch (e) {
      if (!isLlgiError(e)) throw e;
      return e;
    }
  }
}

/** The answers to a batch of queries: one lookup per module, in the order the modules first appear. */
function answerAll(queries: Query[], tables: Tables, returnAddresses: boolean): Answer[] {
  const answers: Answer[] = queries.map((query) => ({ query, frames: [], error: query.error }));
  const byModule = new Map<string, number[]>();
  queries.forEach((q, i) => {
    if (q.value === null) return;
    const list = byModule.get(q.module);
    if (list) list.push(i);
    else byModule.set(q.module, [i]);
  });
  for (const [module, list] of byModule) {
    try {
      const frames = tables.get(module).symbolize(list.map((i) => queries[i].value!), { returnAddresses });
      list.forEach((i, k) => (answers[i].frames = frames[k]));
    } catch (e) {
      if (!isLlgiError(e)) throw e;
      for (const i of list) answers[i].error = e;
    }
  }
  return answers;
}

/** The answer to an input with no frames or no address: gc's layout for nothing, then the empty line that ends it. */
const UNKNOWN = '?\n\t?:0\n\n';

/** gc's layout, with gc's names (--gc-names), each answer ended by an empty line. */
function answerGcText(a: Answer): string {
  return a.frames.length ? `${formatFrames(a.frames.map((f) => ({ ...f, function: f.gcFunction })))}\n` : UNKNOWN;
}

/**
 * The text answers to a batch of queries, in input order: each run of
 * consecutive queries of one module answered by one call into C
 * (Symbolizer.symbolizeText), UNKNOWN for the others. Bad queries and
 * modules that cannot be opened leave their error in `errors`.
 */
function answerText(queries: Query[], tables: Tables, returnAddresses: boolean): { out: (Buffer | string)[]; errors: (LlgiError | undefined)[] } {
  const out: (Buffer | string)[] = [];
  const errors = queries.map((q) => q.error);
  for (let i = 0; i < queries.length;) {
    const { module, value } = queries[i];
    let j = i + 1;
    if (value === null) {
      out.push(UNKNOWN);
      i = j;
      continue;
    }
    while (j < queries.length && queries[j].value !== null && queries[j].module === module) j++;
    try {
      out.push(tables.get(module).symbolizeText(queries.slice(i, j).map((q) => q.value!), { returnAddresses }));
    } catch (e) {
      if (!isLlgiError(e)) throw e;
      for (let k = i; k < j; k++) errors[k] = e;
      out.push(UNKNOWN.repeat(j - i));
    }
    i = j;
  }
  return { out, errors };
}

function answerJson(a: Answer) {
  const error = a.error && { error: { code: a.error.code, message: a.error.message } };
  return { address: a.query.address, module: a.query.module, frames: a.frames.map(frameJson), ...error };
}

/** The answers to a batch of bare addresses made in C, or null (other input, or an error the general path reports). */
function bareAnswers(s: Symbolizer, batch: Buffer, returnAddresses: boolean): Buffer | null {
  try {
    return s.symbolizeTextLines(batch, { returnAddresses });
  } catch (e) {
    if (!isLlgiError(e)) throw e;
    return null;
  }
}

function lineCount(batch: Buffer): number {
  let n = 0;
  for (let at = batch.indexOf(10); at >= 0; at = batch.indexOf(10, at + 1)) n++;
  return batch.length && batch[batch.length - 1] !== 10 ? n + 1 : n;
}

export async function symbolizeCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      obj: { type: 'string', short: 'e' },
      exe: { type: 'string' },
      json: { type: 'boolean' },
      'return-addresses': { type: 'boolean', short: 'r' },
      strict: { type: 'boolean' },
      'gc-names': { type: 'boolean' },
      pclntab: { type: 'string' },
      'cache-dir': { type: 'string' },
      'no-cache': { type: 'boolean' },
    },
  });
  if (values['cache-dir'] !== undefined && values['no-cache']) throw new UsageError('--cache-dir and --no-cache contradict each other: give one');
  if (values.obj !== undefined && values.exe !== undefined) throw new UsageError('--obj and --exe both name the binary: give one');
  let obj = values.obj ?? values.exe;
  let words = positionals;
  if (obj === undefined && words.length) [obj, ...words] = words;
  if (obj === undefined && values.pclntab !== undefined) throw new UsageError('--pclntab needs a binary (--obj or a first argument): it is the sidecar of one binary');
  const cacheDir = values['no-cache'] ? false : values['cache-dir'];
  const tables = new Tables({ strict: values.strict, llgoSidecar: values.pclntab, cacheDir });
  // The one binary is opened before any input is read: a bad one fails the command at once.
  if (obj !== undefined) {
    tables.get(obj);
  }
  const ret = !!values['return-addresses'];
  let bad = 0;
  /** An error line on stderr for each bad input (where: its position). */
  const report = (errors: (LlgiError | undefined)[], where: (i: number) => string) => errors.forEach((e, i) => {
    if (!e) return;
    bad++;
    process.stderr.write(`llgo-introspect: ${where(i)}${e.message} [${e.code}]\n`);
  });
  /** The output for a batch of inputs: gc's layout made in C, or JSON and gc's names from frame objects. */
  const answer = (inputs: string[], where: (i: number) => string, jsonLines: boolean): (Buffer | string)[] => {
    const queries = inputs.map((input) => parseQuery(input, obj));
    if (!values.json && !values['gc-names']) {
      const { out, errors } = answerText(queries, tables, ret);
      report(errors, where);
      return out;
    }
    const answers = answerAll(queries, tables, ret);
    report(answers.map((a) => a.error), where);
    if (!values.json) return answers.map(answerGcText);
    return jsonLines ? answers.map((a) => JSON.stringify(answerJson(a)) + '\n') : [JSON.stringify(answers.map(answerJson), null, 2) + '\n'];
  };
  const write = (out: (Buffer | string)[]) => process.stdout.write(out.length === 1 ? out[0] : Buffer.concat(out.map((o) => (typeof o === 'string' ? Buffer.from(o) : o))));

  if (words.length) {
    write(answer(words, () => '', false));
  } else {
    let read = 0;
    // With the binary given and text wanted, a batch of bare 0x addresses is parsed and answered in C.
    const bare = obj !== undefined && !values.json && !values['gc-names'] ? tables.get(obj) : undefined;
    await eachLineBatch(process.stdin, (batch) => {
      const fast = bare && bareAnswers(bare, batch, ret);
      if (fast) {
        read += lineCount(batch);
        write([fast]);
        return;
      }
      const lines = linesOf(batch);
      const out = answer(lines, (i) => `line ${read + i + 1}: `, true);
      read += lines.length;
      write(out);
    });
  }
  return bad ? 1 : 0;
}
