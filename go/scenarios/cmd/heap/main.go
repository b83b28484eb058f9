// The bundled conformance scenario "heap": every allocation kind of package
// heap at MemProfileRate 1, then what the runtime's heap profile says about
// each (docs/conformance.md).
package main

import (
	"runtime"

	"llgo-introspect.dev/probe"
	"llgo-introspect.dev/scenarios/heap"
)

// N allocations of each kind.
const N = 100

func main() {
	runtime.MemProfileRate = 1
	heap.Run(N)
	probe.Heap("heap", "llgo-introspect.dev/scenarios/heap.")
}
