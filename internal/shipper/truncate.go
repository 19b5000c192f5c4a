package shipper

import (
	"fmt"
	"log/slog"
	"slices"
	"unicode/utf8"

	"go.slogx.dev/internal/sink"
	"go.slogx.dev/internal/wire"
)

// TruncatedKey is the field added, at the top level, to a record that was
// shortened to fit the line limit. Its value is the size in bytes of the
// record as it was encoded before shortening. The faces document it.
const TruncatedKey = "truncated"

const ellipsis = "…"

// handleLong shortens a record whose encoding in *buf is over the line limit
// and queues it. It is the slow path: it allocates. It owns buf.
func (f Face) handleLong(buf *[]byte, r *slog.Record, ctxAttrs []slog.Attr) error {
	c := f.c
	orig := len(*buf)
	marked := append(slices.Clip(ctxAttrs), slog.Int(TruncatedKey, orig))
	stages := []struct {
		enc       *wire.Encoder
		keepAttrs bool
		ctxAttrs  []slog.Attr
	}{
		{f.enc, true, marked},
		{f.enc, false, marked},
		{c.Encoder, false, marked[len(marked)-1:]},
	}
	for _, st := range stages {
		if line, ok := fitMessage((*buf)[:0], st.enc, r, st.keepAttrs, st.ctxAttrs, c.MaxLine); ok {
			*buf = line
			c.Queue.CountTruncated()
			return c.Queue.EnqueueOwned(buf)
		}
	}
	c.Queue.Release(buf)
	err := fmt.Errorf("%s: a record of %d bytes does not fit the line limit of %d bytes even without its attributes", c.Name, orig, c.MaxLine)
	c.Queue.DropTooLarge(err)
	return sink.ErrTooLarge
}

// fitMessage encodes r, with its attributes or without, cutting its message
// so that the line is at most limit bytes. It reports false if even an
// empty message does not fit.
func fitMessage(dst []byte, enc *wire.Encoder, r *slog.Record, keepAttrs bool, ctxAttrs []slog.Attr, limit int) ([]byte, bool) {
	record := func(msg string) slog.Record {
		r2 := slog.NewRecord(r.Time, r.Level, msg, r.PC)
		if keepAttrs {
			r.Attrs(func(a slog.Attr) bool {
				r2.AddAttrs(a)
				return true
			})
		}
		return r2
	}
	empty := record("")
	dst, _ = enc.AppendRecord(dst[:0], &empty, ctxAttrs)
	room := limit - len(dst) - len(ellipsis)
	if room < 0 {
		return dst, false
	}
	for {
		msg := cutUTF8(r.Message, room)
		if len(msg) < len(r.Message) {
			msg += ellipsis
		}
		r2 := record(msg)
		dst, _ = enc.AppendRecord(dst[:0], &r2, ctxAttrs)
		if len(dst) <= limit {
			return dst, true
		}
		// Escaping made the message longer than its bytes: cut the excess
		// and try again. Each round shrinks room, so this ends.
		room -= len(dst) - limit
		if room < 0 {
			room = 0
		}
	}
}

// cutUTF8 returns the longest prefix of s of at most n bytes that does not
// split a rune.
func cutUTF8(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
