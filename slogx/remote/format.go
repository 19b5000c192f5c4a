package remote

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"

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
		// A protobuf LogRecord, as ScopeLogs.log_records carries it: the
		// message itself is kept whole, so that it can be replayed.
		dst = append(dst, `{"otlp_log_record":"`...)
		dst = base64.StdEncoding.AppendEncode(dst, otlpMessage(rec))
		return append(dst, "\"}\n"...)
	}
	// JSONArray and Datadog entries, and Loki's stream entries, are JSON
	// objects without the newline.
	return append(append(dst, rec...), '\n')
}

// otlpMessage returns the message inside a length-delimited protobuf field
// (its tag, its length, the message), or rec itself if it is not one.
func otlpMessage(rec []byte) []byte {
	if len(rec) < 2 || rec[0]&7 != 2 {
		return rec
	}
	n, k := binary.Uvarint(rec[1:])
	if k <= 0 || n != uint64(len(rec)-1-k) {
		return rec
	}
	return rec[1+k:]
}
