// A progress line on stderr while a table builds, for a person at a terminal:
// shown only when stderr is a TTY and the build has taken DELAY_MS, redrawn
// in place, erased when the build ends. Nothing at all when stderr is a file
// or a pipe, where it would only be noise in a log.

/** Builds quicker than this show nothing; LLGI_PROGRESS_DELAY_MS changes it (0: from the first step). */
const DELAY_MS = 200;

function delayMs(): number {
  const v = Number(process.env.LLGI_PROGRESS_DELAY_MS);
  return process.env.LLGI_PROGRESS_DELAY_MS !== undefined && Number.isFinite(v) && v >= 0 ? v : DELAY_MS;
}

export type OnProgress = (done: number, total: number) => void;

/** Runs build with an onProgress hook drawing `llgo-introspect: <what>: N%` (undefined off a terminal). */
export function withProgress<T>(what: string, build: (onProgress: OnProgress | undefined) => T): T {
  const tty = process.stderr;
  if (!tty.isTTY) return build(undefined);
  const start = Date.now();
  const delay = delayMs();
  let shown = '';
  const onProgress: OnProgress = (done, total) => {
    if (total <= 0 || Date.now() - start < delay) return;
    // One row: a wrapped line could not be redrawn or erased with \r (a terminal of unknown width has 0 columns).
    const line = `llgo-introspect: ${what}: ${Math.floor((100 * done) / total)}%`.slice(0, tty.columns > 1 ? tty.columns - 1 : undefined);
    if (line === shown) return;
    tty.write(`\r${line}\x1b[K`);
    shown = line;
  };
  try {
    return build(onProgress);
  } finally {
    if (shown) tty.write('\r\x1b[K');
  }
}
