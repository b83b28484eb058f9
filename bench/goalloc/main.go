// The gc peer of bench/alloc.ts: the same churn as bench/alloc_fixture.c (a
// random one of 4096 slots gets a fresh allocation, the old one becomes
// garbage), the same xorshift64 stream of sizes and slots, made DEPTH frames
// deep, at one MemProfileRate per process, set at the start of main as gc's
// documentation asks. GOGC is left at its default.
//
//	goalloc <0|default|1> <iters> <round>
//
// Workloads: "mix" (make([]byte, 16..2063)) and "16" (make([]byte, 16)). A
// warm-up pass of each at a tenth of the iterations comes first; then one
// measured pass, in an order rotated by <round>. gc's allocations are zeroed
// and freed by its collector; the C fixture's are neither (malloc/free).
//
// Output (parsed by bench/alloc.ts):
//
//	alloc <workload> gc-<rate> <ns per allocation> <iters>
//	check <rate> <records> <sampled allocs, all records> <sampled allocs in churn> <pcs of churn's largest record>
//
// gc's stacks of churn's allocations hold 14 pcs: runtime.mallocgc,
// runtime.makeslice, the 9 frames from churn to run, main.main,
// runtime.main and runtime.goexit (ours: the 9 frames of the fixture).
package main

import (
	"fmt"
	"os"
	"runtime"
	"strconv"
	"time"
)

const (
	depth = 9
	nslot = 4096
	seed  = 0x9e3779b97f4a7c15
)

var (
	slots [nslot][]byte
	sink  int
)

//go:noinline
func churn(iters int, x uint64, fixed int) {
	for i := 0; i < iters; i++ {
		x ^= x << 13
		x ^= x >> 7
		x ^= x << 17
		size := fixed
		if size == 0 {
			size = 16 + int((x>>32)%2048)
		}
		k := x & (nslot - 1)
		p := make([]byte, size)
		p[0] = byte(i)
		slots[k] = p
	}
	for k := range slots {
		slots[k] = nil
	}
}

//go:noinline
func descend(d, iters int, fixed int) {
	if d == 0 {
		churn(iters, seed, fixed)
	} else {
		descend(d-1, iters, fixed)
	}
	sink++
}

// run mirrors alloc_run: churn + depth-2 frames of descend + run = depth frames.
//
//go:noinline
func run(iters int, fixed int) float64 {
	t0 := time.Now()
	descend(depth-3, iters, fixed)
	sink++
	return float64(time.Since(t0).Nanoseconds()) / float64(iters)
}

func main() {
	rate := 0
	switch os.Args[1] {
	case "default":
		rate = 512 * 1024
	default:
		rate, _ = strconv.Atoi(os.Args[1])
	}
	runtime.MemProfileRate = rate
	iters, _ := strconv.Atoi(os.Args[2])
	round, _ := strconv.Atoi(os.Args[3])

	workloads := []struct {
		name  string
		fixed int
	}{{"mix", 0}, {"16", 16}}
	for _, w := range workloads {
		run(iters/10, w.fixed)
	}
	ns := make([]float64, len(workloads))
	for i := range workloads {
		k := (i + round) % len(workloads)
		ns[k] = run(iters, workloads[k].fixed)
	}
	for i, w := range workloads {
		fmt.Printf("alloc %s gc-%s %.2f %d\n", w.name, os.Args[1], ns[i], iters)
	}

	// The profile is on: count what it sampled and how deep its stacks are.
	runtime.GC()
	n, _ := runtime.MemProfile(nil, true)
	recs := make([]runtime.MemProfileRecord, n+64)
	n, _ = runtime.MemProfile(recs, true)
	var allocs, churned, most int64
	depthSeen := 0
	for _, r := range recs[:n] {
		allocs += r.AllocObjects
		stk := r.Stack()
		for _, pc := range stk {
			if runtime.FuncForPC(pc-1).Name() == "main.churn" {
				churned += r.AllocObjects
				if r.AllocObjects > most {
					most, depthSeen = r.AllocObjects, len(stk)
				}
				break
			}
		}
	}
	fmt.Printf("check %s %d %d %d %d\n", os.Args[1], n, allocs, churned, depthSeen)
}
