package sink

import (
	"bytes"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
)

// compressor compresses batch bodies with one encoder, reused for every
// batch: the sender is the only user. Each batch keeps its own output
// buffer, since a body may still be needed (to send it again) while the
// next one is compressed.
type compressor struct {
	kind Compression
	zstd *zstd.Encoder
	gzip *gzip.Writer
	buf  bytes.Buffer
}

func newCompressor(kind Compression, maxBatchBytes int) (*compressor, error) {
	c := &compressor{kind: kind}
	switch kind {
	case Zstd:
		// The window need not reach further back than a batch is long
		// (the smallest power of two that holds MaxBatchBytes, 8 MiB at
		// most, the encoder's default): the encoder's history is as large
		// as its window, and a record far over MaxBatchBytes would
		// otherwise grow it to 8 MiB for the rest of the process.
		window := zstd.MinWindowSize
		for window < maxBatchBytes && window < 8<<20 {
			window <<= 1
		}
		// EncodeAll on a writer-less encoder starts no goroutines; one
		// block encoder is all a single sender needs. Not the lower-memory
		// variant: on the sender's path to the server it costs more CPU,
		// which the server on a small host competes for, than the few
		// hundred KiB it saves once per sink.
		enc, err := zstd.NewWriter(nil,
			zstd.WithEncoderLevel(zstd.SpeedFastest),
			zstd.WithEncoderConcurrency(1),
			zstd.WithWindowSize(window))
		if err != nil {
			return nil, err
		}
		c.zstd = enc
	case Gzip:
		w, err := gzip.NewWriterLevel(&c.buf, gzip.BestSpeed)
		if err != nil {
			return nil, err
		}
		c.gzip = w
	}
	return c, nil
}

// compress returns the body to send for raw and its Content-Encoding ("" for
// none). A compressed body is written into *out, which keeps its storage
// for the next call with the same out; an uncompressed body is raw itself.
func (c *compressor) compress(out *[]byte, raw []byte) ([]byte, string) {
	switch c.kind {
	case Zstd:
		*out = c.zstd.EncodeAll(raw, (*out)[:0])
		return *out, "zstd"
	case Gzip:
		c.buf.Reset()
		c.gzip.Reset(&c.buf)
		c.gzip.Write(raw) // writes to a bytes.Buffer cannot fail
		c.gzip.Close()
		*out = append((*out)[:0], c.buf.Bytes()...)
		return *out, "gzip"
	}
	return raw, ""
}

func (c *compressor) close() {
	if c.zstd != nil {
		c.zstd.Close()
	}
}
