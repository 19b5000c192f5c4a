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
	err := fmt.Errorf("%s: a record of %d bytes does not fit %s %d even without its attributes", c.Name, orig, c.LimitName, c.MaxLine)
	c.Queue.DropTooLarge(err)
	return sink.ErrTooLarge
}

// fitAttempts bounds the encodings fitMessage tries per stage. A
// ReplaceAttr may change the message in any way (append to it, double it,
// replace it), so no argument about lengths can promise that cutting more
// eventually fits: after this many tries the stage gives up, and after the
// last stage the record is dropped and counted as too large.
const fitAttempts = 4

// fitMessage encodes r, with its attributes or without, cutting its message
// so that the encoded record is at most limit bytes. It reports false if
// it found no such encoding within fitAttempts tries.
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
	for range fitAttempts {
		if room < 0 {
			return dst, false
		}
		msg := cutUTF8(r.Message, room)
		if len(msg) < len(r.Message) {
			msg += ellipsis
		}
		r2 := record(msg)
		dst, _ = enc.AppendRecord(dst[:0], &r2, ctxAttrs)
		if len(dst) <= limit {
			return dst, true
		}
		// Escaping (or ReplaceAttr) made the record longer than the
		// message's bytes: cut the excess and try again. Once room is
		// exhausted, the check above ends the stage.
		if room == 0 {
			room = -1
		} else {
			room = max(room-(len(dst)-limit), 0)
		}
	}
	return dst, false
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
