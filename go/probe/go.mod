module llgo-introspect.dev/probe

go 1.21
