// A Go library for Node, built by llgo as a C shared library:
//
//	llgo build -buildmode c-shared -o libhello.so .
//
// run.js loads it with llgo-introspect, calls Fill and reads where its
// allocations were made and what stack it runs on.
package main

import "C"

import "runtime"

var kept [][]byte

//export Fill
func Fill(n C.long) C.long {
	for i := 0; i < int(n); i++ {
		kept = append(kept, make([]byte, 64))
	}
	return C.long(len(kept))
}

//export Where
func Where() C.long {
	pc, _, _, _ := runtime.Caller(0) // @where
	return C.long(pc)
}

func main() {}
