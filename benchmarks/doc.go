// Package benchmarks compares slogx with the loggers Go programs use today,
// on the same records in one run, and holds the programs that turn the runs
// into docs/benchmarks.md and docs/bench.svg (`make bench-report`).
//
// It is a module of its own so that the library's go.mod names only the
// three dependencies the library needs; the loggers compared here, and the
// OpenTelemetry SDK the shipping comparison runs against, stay out of it.
//
// Every handler is measured through [log/slog.Logger], beside a handler that
// does nothing ([Nop]) in the same run: a handler's own cost is its time
// through the Logger less the no-op's, because the Logger's own work (the
// clock, the caller's PC, building the Record) is paid alike by all of them.
// Loggers with an API of their own (zap, zerolog, phuslu/log) are measured
// through it too, where the whole call is theirs.
package benchmarks
