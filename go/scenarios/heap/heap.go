// Package heap allocates in the ways compilers lower differently: new,
// composite literals, make of slices, maps and channels, append growth,
// string concatenation and conversion, capturing closures, interface
// boxing, and objects small enough for gc's tiny allocator. Each kind is
// one function whose allocating statement carries a marker comment; every
// result is kept in a package variable, so it escapes and stays in use.
package heap

import "strconv"

type point struct{ x, y, z int64 }

var (
	sinkInt    *int
	sinkTiny   *int8
	sinkPoint  *point
	sinkSlice  []int
	sinkMap    map[int]int
	sinkChan   chan int
	sinkAppend []int
	sinkString string
	sinkBytes  []byte
	sinkFunc   func() int
	sinkAny    any
	words      = []string{"conformance-", "of-heap-sites"}
)

//go:noinline
func newObjects(n int) {
	for i := 0; i < n; i++ {
		sinkInt = new(int) // @heap:new
	}
}

//go:noinline
func tinyObjects(n int) {
	for i := 0; i < n; i++ {
		sinkTiny = new(int8) // @heap:tiny
	}
}

//go:noinline
func compositeLiterals(n int) {
	for i := 0; i < n; i++ {
		sinkPoint = &point{int64(i), 2, 3} // @heap:composite
	}
}

//go:noinline
func makeSlices(n int) {
	for i := 0; i < n; i++ {
		sinkSlice = make([]int, 16) // @heap:make-slice
	}
}

//go:noinline
func makeMaps(n int) {
	for i := 0; i < n; i++ {
		sinkMap = make(map[int]int, 4) // @heap:make-map
	}
}

//go:noinline
func makeChans(n int) {
	for i := 0; i < n; i++ {
		sinkChan = make(chan int, 4) // @heap:make-chan
	}
}

//go:noinline
func appendGrowth(n int) {
	var s []int
	for i := 0; i < n; i++ {
		s = append(s, i) // @heap:append
	}
	sinkAppend = s
}

//go:noinline
func concat(n int) {
	for i := 0; i < n; i++ {
		sinkString = words[0] + words[i%2] // @heap:concat
	}
}

//go:noinline
func convert(n int) {
	for i := 0; i < n; i++ {
		sinkBytes = []byte(words[i%2]) // @heap:bytes
		sinkString = string(sinkBytes) // @heap:string
	}
}

//go:noinline
func itoa(n int) {
	for i := 0; i < n; i++ {
		sinkString = strconv.Itoa(1000000 + i) // @heap:itoa
	}
}

//go:noinline
func closures(n int) {
	for i := 0; i < n; i++ {
		x := i
		sinkFunc = func() int { return x } // @heap:closure
	}
}

//go:noinline
func boxing(n int) {
	for i := 0; i < n; i++ {
		sinkAny = i + 1000 // @heap:boxing
	}
}

// Run allocates n times in each way.
//
//go:noinline
func Run(n int) {
	newObjects(n)
	tinyObjects(n)
	compositeLiterals(n)
	makeSlices(n)
	makeMaps(n)
	makeChans(n)
	appendGrowth(n)
	concat(n)
	convert(n)
	itoa(n)
	closures(n)
	boxing(n)
}
