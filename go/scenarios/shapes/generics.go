//go:build !gccgo

// Generic functions and methods: gccgo (12) has no generics, so a gccgo
// build runs none of these probes (docs/conformance.md).

package shapes

import (
	"fmt"

	"llgo-introspect.dev/probe"
)

//go:noinline
func Map[K comparable, V any](k K, v V) map[K]V {
	probe.Stack(fmt.Sprintf("generic-%T", k)) // @shape:generic
	return map[K]V{k: v}
}

type Stack[E any] struct{ items []E }

//go:noinline
func (s *Stack[E]) Push(e E) {
	probe.Stack("generic-method") // @shape:generic-method
	s.items = append(s.items, e)
}

// generics calls the generic shapes: two instantiations and a method.
//
//go:noinline
func generics() {
	Map(1, "one")           // @shape:run-generic-int
	Map("two", 2.0)         // @shape:run-generic-string
	(&Stack[int]{}).Push(1) // @shape:run-generic-method
}
