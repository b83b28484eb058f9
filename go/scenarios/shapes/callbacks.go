package shapes

import (
	"encoding/json"
	"fmt"
	"io"
	"regexp"
	"sort"
	"strings"
	"text/template"

	"llgo-introspect.dev/probe"
)

// Each callback probes once however often the library calls it.
var probed = map[string]bool{}

func once(tag string) bool {
	if probed[tag] {
		return false
	}
	probed[tag] = true
	return true
}

type stringer struct{}

func (stringer) String() string {
	probe.Stack("fmt-stringer") // @shape:fmt-stringer
	return "s"
}

type marshaler struct{}

func (marshaler) MarshalJSON() ([]byte, error) {
	probe.Stack("json-marshaler") // @shape:json-marshaler
	return []byte("1"), nil
}

type templated struct{}

func (templated) Name() string {
	probe.Stack("template-method") // @shape:template-method
	return "t"
}

// callbacks has the standard library call back into the scenario: sort's
// less, strings.Map's mapping, a fmt Stringer, a json Marshaler, regexp's
// replacement function and a method a template calls through reflect.
//
//go:noinline
func callbacks() {
	xs := []int{2, 1}
	sort.Slice(xs, func(i, j int) bool {
		if once("sort-less") {
			probe.Stack("sort-less") // @shape:sort-less
		}
		return xs[i] < xs[j]
	}) // @shape:run-sort
	strings.Map(func(r rune) rune {
		if once("strings-map") {
			probe.Stack("strings-map") // @shape:strings-map
		}
		return r
	}, "ab") // @shape:run-strings-map
	_ = fmt.Sprint(stringer{})                           // @shape:run-fmt
	if _, err := json.Marshal(marshaler{}); err != nil { // @shape:run-json
		panic(err)
	}
	regexp.MustCompile("a").ReplaceAllStringFunc("aa", func(s string) string {
		if once("regexp-replace") {
			probe.Stack("regexp-replace") // @shape:regexp-replace
		}
		return s
	}) // @shape:run-regexp
	t := template.Must(template.New("t").Parse("{{.Name}}"))
	if err := t.Execute(io.Discard, templated{}); err != nil { // @shape:run-template
		panic(err)
	}
}
