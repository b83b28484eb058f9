// The bundled scenarios as a c-shared library, for loading into Node beside
// the same library built by another compiler (docs/conformance.md, "In
// Node"): LlgiShapes runs every shape (probe output to LLGI_PROBE_OUT),
// LlgiHeap allocates n of each heap kind, LlgiHeapProbe reports this
// runtime's own heap profile, LlgiSetMemProfileRate sets its rate, and
// LlgiProbeTo names the file the probes append to (gc's library reads its
// environment as it was at process start: its init report, made during
// dlopen, goes to LLGI_PROBE_OUT from then, else to stdout).
package main

import "C"

import (
	"runtime"

	"llgo-introspect.dev/probe"
	"llgo-introspect.dev/scenarios/heap"
	"llgo-introspect.dev/scenarios/shapes"
)

//export LlgiShapes
func LlgiShapes() {
	shapes.Run() // @cshared:shapes
}

//export LlgiHeap
func LlgiHeap(n C.long) {
	heap.Run(int(n)) // @cshared:heap
}

//export LlgiHeapProbe
func LlgiHeapProbe() {
	probe.Heap("heap", "llgo-introspect.dev/scenarios/heap.")
}

//export LlgiProbeTo
func LlgiProbeTo(path *C.char) {
	probe.SetOutput(C.GoString(path))
}

//export LlgiSetMemProfileRate
func LlgiSetMemProfileRate(rate C.long) {
	runtime.MemProfileRate = int(rate)
}

func main() {}
