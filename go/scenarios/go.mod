module llgo-introspect.dev/scenarios

go 1.21

require llgo-introspect.dev/probe v0.0.0

replace llgo-introspect.dev/probe => ../probe
