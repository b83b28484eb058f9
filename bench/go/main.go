// The gc peer of bench/live.ts: runtime.Callers at the same stack depths as
// bench/live-walk.c, and runtime.FuncForPC on pcs chosen in this binary's own
// functions the way bench/live.ts chooses them in SQLite's (uniform over
// function bytes, mulberry32 seed 1): the first one repeated, the first 64
// cycled, all 20,000 cycled. Same iteration counts and rounds as the C
// harnesses; round 0 warms up and is not counted.
//
// Output (parsed by bench/live.ts):
//
//	walk gc-callers <depth> <frames returned> <best ns per capture>
//	lookup <gc-name|gc-full> <one|cached|fresh> <best ns per pc>
//	info <functions> <bytes of function text>
package main

import (
	"debug/elf"
	"fmt"
	"os"
	"reflect"
	"runtime"
	"time"
)

const (
	iters   = 20000  // captures per round, as live-walk.c
	lookups = 300000 // lookups per round, as live-funcforpc.c
	rounds  = 5
	nfresh  = 20000
	ncached = 64
)

var (
	sinkInt int
	buf     = make([]uintptr, 256)
)

// measure is the capturing function: pcs[0] of Callers(1, ...) is in it.
//
//go:noinline
func measure() (float64, int) {
	n := 0
	t0 := time.Now()
	for i := 0; i < iters; i++ {
		n = runtime.Callers(1, buf)
	}
	ns := float64(time.Since(t0).Nanoseconds()) / iters
	sinkInt += n
	return ns, n
}

//go:noinline
func rec(depth int) (float64, int) {
	if depth == 0 {
		return measure()
	}
	t, n := rec(depth - 1)
	sinkInt++
	return t, n
}

// mulberry32, as bench/measure.ts prng.
func prng(seed uint32) func() float64 {
	a := seed
	return func() float64 {
		a += 0x6d2b79f5
		t := a
		t = (t ^ (t >> 15)) * (t | 1)
		t ^= t + (t^(t>>7))*(t|61)
		return float64(t^(t>>14)) / 4294967296
	}
}

// randomPcs picks n runtime pcs uniformly over the bytes of this binary's
// sized function symbols.
func randomPcs(n int) ([]uintptr, int, uint64) {
	exe, err := os.Executable()
	check(err)
	f, err := elf.Open(exe)
	check(err)
	syms, err := f.Symbols()
	check(err)
	var funcs []elf.Symbol
	var cum []uint64
	var total, mainSym uint64
	for _, s := range syms {
		if s.Name == "main.main" {
			mainSym = s.Value
		}
		if elf.ST_TYPE(s.Info) == elf.STT_FUNC && s.Size > 0 && s.Section != elf.SHN_UNDEF {
			funcs = append(funcs, s)
			total += s.Size
			cum = append(cum, total)
		}
	}
	// Load bias, should the binary be position-independent.
	bias := uint64(reflect.ValueOf(main).Pointer()) - mainSym
	rnd := prng(1)
	pcs := make([]uintptr, n)
	for i := range pcs {
		r := uint64(rnd() * float64(total))
		lo, hi := 0, len(cum)-1
		for lo < hi {
			mid := (lo + hi) / 2
			if cum[mid] > r {
				hi = mid
			} else {
				lo = mid + 1
			}
		}
		pcs[i] = uintptr(funcs[lo].Value + (r - (cum[lo] - funcs[lo].Size)) + bias)
		if fn := runtime.FuncForPC(pcs[i]); fn == nil || fn.Entry() > pcs[i] {
			check(fmt.Errorf("pc %#x is not inside a Go function", pcs[i]))
		}
	}
	return pcs, len(funcs), total
}

func lookup(pcs []uintptr, full bool) float64 {
	acc, j := 0, 0
	t0 := time.Now()
	for i := 0; i < lookups; i++ {
		pc := pcs[j]
		if j++; j == len(pcs) {
			j = 0
		}
		f := runtime.FuncForPC(pc)
		if full {
			file, line := f.FileLine(pc)
			acc += len(f.Name()) + len(file) + line
		} else {
			acc += len(f.Name())
		}
	}
	ns := float64(time.Since(t0).Nanoseconds()) / lookups
	sinkInt += acc
	return ns
}

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

func main() {
	depths := []int{8, 32, 128}
	walk := make([]float64, len(depths))
	frames := make([]int, len(depths))
	for r := 0; r <= rounds; r++ {
		for i, d := range depths {
			// measure, rec(0..d-3) and main.main are the d frames.
			t, n := rec(d - 3)
			if r == 1 || (r > 1 && t < walk[i]) {
				walk[i] = t
			}
			frames[i] = n
		}
	}
	for i, d := range depths {
		fmt.Printf("walk gc-callers %d %d %.1f\n", d, frames[i], walk[i])
	}

	pcs, nfuncs, text := randomPcs(nfresh)
	sets := [][]uintptr{pcs[:1], pcs[:ncached], pcs}
	setNames := []string{"one", "cached", "fresh"}
	kinds := []string{"gc-name", "gc-full"}
	var best [2][3]float64
	for r := 0; r <= rounds; r++ {
		for k := range kinds {
			for s := range sets {
				ns := lookup(sets[s], k == 1)
				if r == 1 || (r > 1 && ns < best[k][s]) {
					best[k][s] = ns
				}
			}
		}
	}
	for k := range kinds {
		for s := range sets {
			fmt.Printf("lookup %s %s %.2f\n", kinds[k], setNames[s], best[k][s])
		}
	}
	fmt.Printf("info %d %d\n", nfuncs, text)
}
