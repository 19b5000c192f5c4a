package wire

import (
	"errors"
	"fmt"
	"strings"

	"go.slogx.dev/internal/ndjson"
)

// limitsOf are the providers' documented limits per request:
//   - Datadog v2 intake: 5 MB per payload uncompressed, 1000 entries, 1 MB
//     per entry (decimal megabytes, the smaller reading of the docs);
//   - Loki: 4 MiB per push. Loki's own body limit is 100 MiB
//     (distributor max_recv_msg_size), but a push larger than the
//     per-tenant ingestion burst (ingestion_burst_size_mb, 6 MB by
//     default) is refused by the rate limiter every time, so a push is
//     kept well below it. 256 KiB per record (limits_config
//     max_line_size); the bound holds the escaped line, so it is
//     conservative;
//   - Elasticsearch: 100 MiB per request (http.max_content_length);
//   - OTLP: 4 MiB per request, the OpenTelemetry Collector's default gRPC
//     receive limit, which gateways that forward OTLP/HTTP over gRPC
//     inherit, and below its OTLP/HTTP body limit (20 MiB).
var limitsOf = [...]Limits{
	NDJSON:      {},
	JSONArray:   {},
	Datadog:     {MaxBodyBytes: 5_000_000, MaxRecords: 1000, MaxRecordBytes: 1_000_000},
	Loki:        {MaxBodyBytes: 4 << 20, MaxRecordBytes: 256 << 10},
	ElasticBulk: {MaxBodyBytes: 100 << 20},
	OTLP:        {MaxBodyBytes: 4 << 20},
}

func newKind(k Kind, o *Options) (*Encoder, framer, error) {
	e := &Encoder{kind: k}
	switch k {
	case OTLP:
		e.otlp = newOTLPEncoder(o)
		return e, newOTLPFrame(o), nil
	case Loki:
		e.json = newJSON(k, o)
		e.loki = newLokiLabels(o)
		return e, lokiFrame{}, nil
	case ElasticBulk:
		e.json = newJSON(k, o)
		e.pre = elasticAction(o.Index)
		return e, elasticFrame{}, nil
	case JSONArray, Datadog:
		e.json = newJSON(k, o)
		return e, arrayFrame{}, nil
	case NDJSON:
		e.json = newJSON(k, o)
		return e, ndjsonFrame{}, nil
	}
	return nil, nil, errNoKind
}

func (o *Options) validate(k Kind) error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf("wire: "+format, args...)) }
	if len(o.Labels) > 0 && k != Loki {
		bad("Labels are for the Loki format, not %v", k)
	}
	if o.Index != "" && k != ElasticBulk {
		bad("Index is for the ElasticBulk format, not %v", k)
	}
	if o.Source != "" && k != Datadog {
		bad("Source is for the Datadog format, not %v", k)
	}
	if k == Loki {
		if len(o.Labels) > maxLabels {
			bad("%d Labels; Loki accepts at most %d besides service_name", len(o.Labels), maxLabels)
		}
		seen := map[string]bool{}
		for _, l := range o.Labels {
			switch {
			case len(l) > 1024:
				bad("label name of %d bytes; Loki accepts at most 1024", len(l))
			case !validLabelName(l):
				bad("label %q is not a valid Loki label name ([a-zA-Z_][a-zA-Z0-9_]*, not starting with __)", l)
			case l == serviceNameLabel:
				bad("label %q is always sent (Options.Service); do not name it", l)
			case seen[l]:
				bad("label %q named twice", l)
			}
			seen[l] = true
		}
	}
	if k == Datadog {
		for _, f := range []struct{ name, v string }{{"Environment", o.Environment}, {"Version", o.Version}} {
			if strings.ContainsAny(f.v, ",") {
				bad("%s %q contains ',', which separates Datadog tags", f.name, f.v)
			}
		}
	}
	if k == ElasticBulk && o.Index != "" {
		if err := validIndex(o.Index); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// validIndex applies Elasticsearch's index name rules, so that a bad name
// is an error at startup rather than every batch refused.
func validIndex(s string) error {
	switch {
	case len(s) > 255:
		return fmt.Errorf("wire: Index is %d bytes; Elasticsearch allows 255", len(s))
	case s == "." || s == "..":
		return fmt.Errorf("wire: Index %q is not a valid Elasticsearch index name", s)
	case strings.ContainsAny(s[:1], "-_+"):
		return fmt.Errorf("wire: Index %q starts with %q; Elasticsearch forbids -, _ and +", s, s[:1])
	case strings.ContainsAny(s, `\/*?"<>| ,#:`):
		return fmt.Errorf("wire: Index %q holds a character Elasticsearch forbids (\\ / * ? \" < > | space , # :)", s)
	case strings.ToLower(s) != s:
		return fmt.Errorf("wire: Index %q has upper case; Elasticsearch index names are lower case", s)
	}
	return nil
}

// ndjsonFrame: records are lines; the body is their concatenation.
type ndjsonFrame struct{}

func (ndjsonFrame) overhead(int) int { return 0 }

func (ndjsonFrame) appendBody(dst []byte, records [][]byte) []byte {
	for _, r := range records {
		dst = append(dst, r...)
	}
	return dst
}

func (ndjsonFrame) judge2xx(int, []byte, int, *Verdict) {}

// arrayFrame: records are JSON objects; the body is a JSON array.
type arrayFrame struct{}

func (arrayFrame) overhead(n int) int { return max(n+1, 2) } // "[", "]" and n-1 commas

func (arrayFrame) appendBody(dst []byte, records [][]byte) []byte {
	dst = append(dst, '[')
	for i, r := range records {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = append(dst, r...)
	}
	return append(dst, ']')
}

// judge2xx: Datadog answers 202 with "{}" for the whole payload; there are
// no per-entry results.
func (arrayFrame) judge2xx(int, []byte, int, *Verdict) {}

// elasticAction is the action line before every document: "create", the
// only action a data stream accepts, and the one that never overwrites.
func elasticAction(index string) []byte {
	if index == "" {
		return []byte("{\"create\":{}}\n")
	}
	b := append([]byte(`{"create":{"_index":"`), ndjson.AppendEscaped(nil, index)...)
	return append(b, "\"}}\n"...)
}
