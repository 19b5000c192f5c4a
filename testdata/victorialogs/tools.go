//go:build tools

// Package tools pins the VictoriaLogs server that slogx's integration tests
// run against. It exists only so that go.mod/go.sum record an exact,
// verifiable version: scripts/victorialogs.sh builds the binary from this
// module, and internal/vltest starts it.
//
// The module lives under testdata/ so that the main module's `go test ./...`
// and `go vet ./...` never see it (the go tool skips testdata directories),
// and its many dependencies stay out of the main go.mod.
package tools

import _ "github.com/VictoriaMetrics/VictoriaMetrics/app/victoria-logs"
