package sink

import "go.slogx.dev/internal/wire"

// Format is how a batch of queued records becomes a request body, and what
// an answer to it means: the two seams a wire format fills. internal/wire
// implements the first three methods for each format; a face adds how a
// record is shown on the fallback writer.
type Format interface {
	// Take returns how many of the leading records make one request body
	// of at most maxBytes bytes, framing included, and maxRecords records,
	// within the format's own limits; at least 1 if records is not empty.
	Take(records [][]byte, maxBytes, maxRecords int) int
	// AppendBody appends the request body that carries records, in order.
	AppendBody(dst []byte, records [][]byte) []byte
	// Judge fills v with the meaning of an answer with status and body to
	// a batch of n records: delivered (with per-item results where the
	// protocol has them), retry, split, or rejected.
	Judge(status int, body []byte, n int, v *wire.Verdict)
	// AppendFallback appends one record as one line for the fallback
	// writer, newline included.
	AppendFallback(dst, record []byte) []byte
}

// ndjsonFormat is the default Format: records are lines, a body is their
// concatenation, and the answer is judged by its status.
type ndjsonFormat struct{ *wire.Format }

func (ndjsonFormat) AppendFallback(dst, record []byte) []byte { return append(dst, record...) }

func defaultFormat() Format {
	f, err := wire.New(wire.NDJSON, wire.Options{})
	if err != nil {
		panic("sink: the NDJSON format: " + err.Error()) // no options, no error
	}
	return ndjsonFormat{f}
}
