package remote

import (
	"bytes"
	"encoding/base64"

	"go.slogx.dev/internal/wire"
)

// sinkFormat is a wire format as the sink needs it: wire frames and judges;
// what is remote's own is how a queued record reads on the fallback writer,
// one JSON line each, whatever the format.
type sinkFormat struct{ *wire.Format }

func (f sinkFormat) AppendFallback(dst, rec []byte) []byte {
	switch f.Kind() {
	case wire.NDJSON:
		return append(dst, rec...)
	case wire.ElasticBulk:
		// The action line is for the server; the document is the record.
		if i := bytes.IndexByte(rec, '\n'); i >= 0 {
			rec = rec[i+1:]
		}
		return append(dst, rec...)
	case wire.OTLP:
		// A protobuf LogRecord: kept whole, so that it can be replayed.
		dst = append(dst, `{"otlp_log_record":"`...)
		dst = base64.StdEncoding.AppendEncode(dst, rec)
		return append(dst, "\"}\n"...)
	}
	// JSONArray and Datadog entries, and Loki's stream entries, are JSON
	// objects without the newline.
	return append(append(dst, rec...), '\n')
}
