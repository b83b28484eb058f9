//go:build gccgo

package shapes

// generics: gccgo (12) has no generics; the generic probes do not run.
func generics() {}
