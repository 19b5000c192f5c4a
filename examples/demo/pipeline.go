package main

import (
	"fmt"
	"io"
	"log/slog"
	"time"

	"go.slogx.dev/slogx"
	"go.slogx.dev/slogx/breach"
	"go.slogx.dev/slogx/redact"
	"go.slogx.dev/slogx/remote"
	"go.slogx.dev/slogx/victoria"
)

// pipeline is the logger as a real service would build it, and the handles
// the report reads the sinks' Stats from.
type pipeline struct {
	logger   *slog.Logger
	handler  slog.Handler // Flush and Close reach every stage
	breach   *breach.Handler
	victoria *victoria.Handler // nil with -sink=stdout
	remote   *remote.Handler   // nil with -sink=stdout
}

// newPipeline builds
//
//	slog.Logger → Stack → redact → breach → Fanout(JSON to local, victoria, remote)
//
// local gets the JSON lines a service prints to stdout; vlURL is the
// VictoriaLogs both sinks ship to ("" for neither).
// Without redact (only the tests ask) the secrets reach the sinks, and the
// report must say so.
func newPipeline(local io.Writer, vlURL string, withoutRedact bool) (*pipeline, error) {
	p := &pipeline{}
	// DEBUG everywhere below breach: breach holds back only what its
	// targets would write, and the DEBUG lead-up is what a failed request
	// should bring with it.
	sinks := []slog.Handler{slogx.NewJSONHandler(local, &slog.HandlerOptions{Level: slog.LevelDebug})}
	if vlURL != "" {
		v, err := victoria.New(victoria.Options{
			URL:           vlURL,
			Level:         slog.LevelDebug,
			ExtraFields:   map[string]string{"sink": "victoria", "service": "checkout"},
			FlushInterval: 200 * time.Millisecond,
		})
		if err != nil {
			return nil, err
		}
		p.victoria = v
		// The same records to a log service in one of its own wire
		// formats: here Loki's push API, which VictoriaLogs also speaks.
		// VL-Extra-Fields tags its rows, so that the report can count each
		// sink's apart.
		r, err := remote.New(remote.Options{
			Endpoint: vlURL + "/insert/loki/api/v1/push?_msg_field=msg",
			Format:   remote.Loki,
			Labels:   []string{"service"},
			Service:  "checkout",
			Headers:  map[string]string{"VL-Extra-Fields": "sink=remote"},
			Level:    slog.LevelDebug,
		})
		if err != nil {
			v.Close()
			return nil, err
		}
		p.remote = r
		sinks = append(sinks, v, r)
	}
	redactStage := redact.Middleware(nil)
	if withoutRedact {
		redactStage = func(next slog.Handler) slog.Handler { return next }
	}
	p.handler = slogx.Pipe(slogx.Fanout(sinks...),
		// ERROR records carry the stack of the code that logged them.
		slogx.Stack(nil),
		// Secrets are masked before anything is held or written.
		redactStage,
		// DEBUG waits in the request's scope; INFO goes straight through;
		// an ERROR writes the request's lead-up, then itself.
		// breach.Middleware would do; New keeps the handle for Stats.
		func(next slog.Handler) slog.Handler {
			h, err := breach.New(next, &breach.Options{
				FlushLevel:       slog.LevelError,
				PassThroughLevel: slog.LevelInfo,
			})
			if err != nil {
				panic(err) // the options are constants: a bug, as Middleware treats it
			}
			p.breach = h
			return h
		},
	)
	p.logger = slog.New(p.handler)
	return p, nil
}

// stats returns one line per stage that counts, for the report.
func (p *pipeline) stats() []string {
	b := p.breach.Stats()
	lines := []string{fmt.Sprintf("breach    triggers %d, flushed %d, discarded %d (the lead-up of requests that went well), evicted %d, dropped scopes %d",
		b.Triggers, b.Flushed, b.Discarded, b.Evicted, b.DroppedScopes)}
	if p.victoria != nil {
		v := p.victoria.Stats()
		lines = append(lines, fmt.Sprintf("victoria  accepted %d, delivered %d in %d batches, retried %d, dropped %d, spilled %d, queued %d, last error %v",
			v.Accepted, v.Delivered, v.Batches, v.Retried, v.Dropped.Total(), v.Spilled, v.Queued, v.LastError))
	}
	if p.remote != nil {
		r := p.remote.Stats()
		lines = append(lines, fmt.Sprintf("remote    accepted %d, delivered %d in %d batches (%d bytes gzipped to %d), retried %d, dropped %d, spilled %d, last error %v",
			r.Accepted, r.Delivered, r.Batches, r.Bytes, r.WireBytes, r.Retried, r.Dropped.Total(), r.Spilled, r.LastError))
	}
	return lines
}
