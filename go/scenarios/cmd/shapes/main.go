// The bundled conformance scenario "shapes": every shape of package shapes,
// each reporting what the runtime says about its stack (docs/conformance.md).
package main

import "llgo-introspect.dev/scenarios/shapes"

func main() {
	shapes.Run() // @main:run
}
