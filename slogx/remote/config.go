package remote

import (
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"strings"
	"time"

	"go.slogx.dev/internal/shipper"
	"go.slogx.dev/internal/sink"
	"go.slogx.dev/internal/wire"
)

const (
	defaultMaxRecordBytes = 256 << 10
	minMaxRecordBytes     = 1 << 10
	// maxElasticBatch keeps a _bulk answer, some 200 bytes per item and
	// more for an item's error, within the 1 MiB the sink reads of an
	// answer: an answer cut there would fail the request, and the batch,
	// stored, would be sent again.
	maxElasticBatch = 2000
)

// defaultRetry is OpenTelemetry's exporter policy (5 s to 30 s, 5 min) with
// a shorter first wait: a blip costs a second rather than five.
var defaultRetry = shipper.RetryPolicy{
	MinBackoff: time.Second,
	MaxBackoff: 30 * time.Second,
	Budget:     5 * time.Minute,
}

var kinds = [...]wire.Kind{
	NDJSON:      wire.NDJSON,
	JSONArray:   wire.JSONArray,
	Datadog:     wire.Datadog,
	Loki:        wire.Loki,
	ElasticBulk: wire.ElasticBulk,
	OTLP:        wire.OTLP,
}

// String returns the format's name, e.g. "Datadog".
func (f Format) String() string {
	if f >= 0 && int(f) < len(kinds) {
		return kinds[f].String()
	}
	return fmt.Sprintf("Format(%d)", int(f))
}

// config is what New derives from Options.
type config struct {
	dev      bool
	format   *wire.Format
	sink     sink.Config
	maxLine  int
	fallback io.Writer
}

// endpointForErrors shows an endpoint without what may be a credential:
// user info and query.
func endpointForErrors(u *url.URL) string {
	v := *u
	v.User = nil
	v.RawQuery = ""
	v.ForceQuery = false
	return v.String()
}

func (o *Options) config() (config, error) {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	cfg := config{dev: o.Endpoint == ""}

	// The endpoint is checked by hand and never quoted whole: url.Parse's
	// own error repeats the input, password and all.
	var endpoint string
	if !cfg.dev {
		u, err := url.Parse(o.Endpoint)
		switch {
		case err != nil:
			bad("Endpoint is not a valid URL")
		case u.Scheme != "http" && u.Scheme != "https":
			bad("Endpoint %q: scheme must be http or https", endpointForErrors(u))
		case u.Host == "":
			bad("Endpoint %q: no host", endpointForErrors(u))
		case u.User != nil:
			bad("Endpoint %q has user info; put the credential in APIKey", endpointForErrors(u))
		case u.Fragment != "":
			bad("Endpoint %q has a fragment, which is never sent", endpointForErrors(u))
		default:
			endpoint = u.String()
		}
	}

	var hdr shipper.Headers
	authHeader := "Authorization"
	if o.AuthHeader != "" {
		authHeader = o.AuthHeader
		switch {
		case !shipper.ValidHeaderName(o.AuthHeader):
			bad("AuthHeader %q is not a valid header name", o.AuthHeader)
		case o.APIKey == "":
			bad("AuthHeader is %q but APIKey is empty", o.AuthHeader)
		}
	}
	if o.APIKey != "" {
		if strings.ContainsAny(o.APIKey, "\r\n\x00") {
			bad("APIKey contains a line break or NUL") // never quoted: it is the key
		} else if o.AuthHeader != "" {
			hdr.Own(authHeader, o.APIKey, o.APIKey)
		} else {
			hdr.Own(authHeader, "Bearer "+o.APIKey, o.APIKey)
		}
	}
	hdr.User(o.Headers, func(name string) string {
		if hdr.Owns(name) {
			return fmt.Sprintf("%q carries APIKey and is set by the handler", name)
		}
		return ""
	})
	errs = append(errs, hdr.Err()...)

	kind := wire.NDJSON
	if o.Format < 0 || int(o.Format) >= len(kinds) {
		bad("unknown Format %d", int(o.Format))
	} else {
		kind = kinds[o.Format]
	}
	format, err := wire.New(kind, wire.Options{
		Service:     o.Service,
		Environment: o.Environment,
		Version:     o.Version,
		Host:        o.Host,
		Labels:      o.Labels,
		AddSource:   o.AddSource,
		ReplaceAttr: o.ReplaceAttr,
	})
	if err != nil {
		errs = append(errs, err)
	}
	cfg.format = format

	cfg.maxLine = o.MaxRecordBytes
	limit := 0
	if format != nil {
		limit = format.Limits().MaxRecordBytes
	}
	switch {
	case cfg.maxLine == 0:
		cfg.maxLine = defaultMaxRecordBytes
		if limit > 0 && limit < cfg.maxLine {
			cfg.maxLine = limit
		}
	case cfg.maxLine < minMaxRecordBytes:
		bad("MaxRecordBytes is %d; it must be at least %d", cfg.maxLine, minMaxRecordBytes)
	case limit > 0 && cfg.maxLine > limit:
		bad("MaxRecordBytes is %d; %v accepts records of at most %d bytes", cfg.maxLine, o.Format, limit)
	}
	if q := o.QueueBytes; q > 0 && cfg.maxLine > q {
		bad("MaxRecordBytes %d is larger than QueueBytes %d", cfg.maxLine, q)
	}

	if kind == wire.ElasticBulk && o.BatchSize > maxElasticBatch {
		bad("BatchSize is %d; ElasticBulk batches are at most %d records, since Elasticsearch's answer lists every item and the handler reads at most 1 MiB of it", o.BatchSize, maxElasticBatch)
	}

	comp, err := shipper.SinkCompression(o.Compression, shipper.Gzip)
	if err != nil {
		errs = append(errs, err)
	}
	overflow, err := shipper.SinkOverflow(o.Overflow)
	if err != nil {
		errs = append(errs, err)
	}

	cfg.fallback = o.Fallback
	if cfg.fallback == nil {
		cfg.fallback = os.Stderr
	}
	cfg.sink = sink.Config{
		Name:           "remote",
		Endpoints:      []string{endpoint},
		Prepare:        hdr.Prepare(),
		BatchSize:      o.BatchSize,
		MaxBatchBytes:  o.MaxBatchBytes,
		FlushInterval:  o.FlushInterval,
		QueueSize:      o.QueueSize,
		QueueBytes:     o.QueueBytes,
		Overflow:       overflow,
		BlockTimeout:   o.BlockTimeout,
		Compression:    comp,
		RequestTimeout: o.RequestTimeout,
		MaxInFlight:    o.MaxInFlight,
		Retry:          o.Retry.Sink(defaultRetry),
		TLSConfig:      o.TLSConfig,
		Fallback:       cfg.fallback,
		CloseTimeout:   o.CloseTimeout,
		Spool:          o.Spool,
		// The key must never show in an error, Stats or the fallback, even
		// when a server echoes it in an answer.
		Secrets: hdr.Secrets(),
	}
	if format != nil {
		cfg.sink.ContentType = format.ContentType()
		cfg.sink.Format = sinkFormat{format}
	}
	if endpoint == "" {
		// Development mode, or an endpoint reported above: a placeholder
		// lets the sink report its own objections to the other options.
		cfg.sink.Endpoints = []string{"http://127.0.0.1:1/"}
	}
	if err := cfg.sink.Validate(); err != nil {
		errs = append(errs, err)
	}
	return cfg, errors.Join(errs...)
}
