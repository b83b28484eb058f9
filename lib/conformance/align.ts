// Aligns a subject's stack with gc's by function, so that a frame one side
// has and the other lacks is one difference, not a cascade of shifted
// mismatches: a longest common subsequence over gc's spelling of the names,
// then, between two matched frames, unmatched frames paired in order (a
// renamed frame) and the rest left alone (missing or extra).

export interface Pair<T> {
  want?: T;
  got?: T;
  wantIndex?: number;
  gotIndex?: number;
}

/** Pairs `want` and `got` frames; `key` is what two frames must share to match (gc's name). */
export function alignFrames<T>(want: T[], got: T[], key: (f: T, side: 'want' | 'got') => string): Pair<T>[] {
  const a = want.map((f) => key(f, 'want'));
  const b = got.map((f) => key(f, 'got'));
  // lcs[i][j]: length of the LCS of a[i..] and b[j..].
  const lcs = Array.from({ length: a.length + 1 }, () => new Uint16Array(b.length + 1));
  for (let i = a.length - 1; i >= 0; i--) {
    for (let j = b.length - 1; j >= 0; j--) {
      lcs[i][j] = a[i] === b[j] ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
    }
  }
  const out: Pair<T>[] = [];
  let i = 0;
  let j = 0;
  let wantRun: number[] = [];
  let gotRun: number[] = [];
  const flush = () => {
    const n = Math.min(wantRun.length, gotRun.length);
    for (let k = 0; k < n; k++) out.push({ want: want[wantRun[k]], got: got[gotRun[k]], wantIndex: wantRun[k], gotIndex: gotRun[k] });
    for (const w of wantRun.slice(n)) out.push({ want: want[w], wantIndex: w });
    for (const g of gotRun.slice(n)) out.push({ got: got[g], gotIndex: g });
    wantRun = [];
    gotRun = [];
  };
  while (i < a.length || j < b.length) {
    if (i < a.length && j < b.length && a[i] === b[j]) {
      flush();
      out.push({ want: want[i], got: got[j], wantIndex: i, gotIndex: j });
      i++;
      j++;
    } else if (j >= b.length || (i < a.length && lcs[i + 1][j] >= lcs[i][j + 1])) {
      wantRun.push(i++);
    } else {
      gotRun.push(j++);
    }
  }
  flush();
  return out;
}
