package probe

import (
	"fmt"
	"runtime"
	"strings"
)

// Heap reports, under tag, the heap profile records (runtime.MemProfile,
// inuseZero) whose stack has a function whose name starts with prefix, each
// with its counts and its stack through CallersFrames. Records without a
// stack (a runtime whose profile is kept per size class) are reported too,
// with no frames. Set runtime.MemProfileRate = 1 before the allocations to
// count every one. Two runtime.GC() first, as Go's heapsampling test does:
// a profile can be up to two cycles old.
//
//go:noinline
func Heap(tag, prefix string) {
	runtime.GC()
	runtime.GC()
	var p []runtime.MemProfileRecord
	n, _ := runtime.MemProfile(nil, true)
	for {
		p = make([]runtime.MemProfileRecord, n+50)
		var ok bool
		if n, ok = runtime.MemProfile(p, true); ok {
			p = p[:n]
			break
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "{\"heap\":%q,\"prefix\":%q,\"rate\":%d,\"records\":[", tag, prefix, runtime.MemProfileRate)
	first := true
	for i := range p {
		r := &p[i]
		stack := r.Stack()
		var fb strings.Builder
		keep := len(stack) == 0
		if len(stack) > 0 {
			frames := runtime.CallersFrames(stack)
			for j := 0; ; j++ {
				f, more := frames.Next()
				if j > 0 {
					fb.WriteString(",")
				}
				keep = keep || strings.HasPrefix(f.Function, prefix)
				fmt.Fprintf(&fb, "{\"function\":%q,\"file\":%q,\"line\":%d}", f.Function, f.File, f.Line)
				if !more {
					break
				}
			}
		}
		if !keep {
			continue
		}
		if !first {
			b.WriteString(",")
		}
		first = false
		fmt.Fprintf(&b, "{\"allocObjects\":%d,\"allocBytes\":%d,\"freeObjects\":%d,\"freeBytes\":%d,\"frames\":[%s]}",
			r.AllocObjects, r.AllocBytes, r.FreeObjects, r.FreeBytes, fb.String())
	}
	b.WriteString("]}\n")
	emit(b.String())
}
