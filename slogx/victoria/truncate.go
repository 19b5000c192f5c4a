package victoria

import (
	"fmt"
	"log/slog"
	"slices"
	"unicode/utf8"

	"go.slogx.dev/internal/ndjson"
)

// TruncatedKey is the field added, at the top level, to a record that was
// shortened to fit Options.MaxLineBytes. Its value is the size in bytes of
// the record as it was encoded before shortening. Find such records with
// the LogsQL filter `truncated:*`.
//
// A record is shortened in the first of these ways that fits, so that as
// much of it as possible survives and the line stays valid JSON:
//
//  1. its message is cut (at a UTF-8 boundary) and ends in "…";
//  2. its own attributes are also dropped, keeping those of WithAttrs and
//     of the context;
//  3. only time, level, source, the cut message and this field remain.
//
// Each way is tried with a bounded number of encodings, whatever
// Options.ReplaceAttr does to the message (append to it, double it,
// replace it), so a log call always ends. A record that does not fit even
// then (only possible with a tiny MaxLineBytes and a huge source path, or
// a ReplaceAttr that makes every message long) is dropped and counted in
// Stats.Dropped.TooLarge.
const TruncatedKey = "truncated"

const ellipsis = "…"

// handleLong shortens a record whose encoding in *buf is over the line limit
// and queues it. It is the slow path: it allocates.
func (h *Handler) handleLong(buf *[]byte, r *slog.Record, ctxAttrs []slog.Attr) error {
	orig := len(*buf)
	marked := append(slices.Clip(ctxAttrs), slog.Int(TruncatedKey, orig))
	stages := []struct {
		enc       *ndjson.Encoder
		keepAttrs bool
		ctxAttrs  []slog.Attr
	}{
		{h.enc, true, marked},
		{h.enc, false, marked},
		{h.c.root, false, marked[len(marked)-1:]},
	}
	for _, st := range stages {
		if line, ok := fitMessage((*buf)[:0], st.enc, r, st.keepAttrs, st.ctxAttrs, h.c.maxLine); ok {
			*buf = line
			h.c.sink.CountTruncated()
			return h.c.sink.Enqueue(line)
		}
	}
	h.c.sink.DropTooLarge(fmt.Errorf("slogx/victoria: a record of %d bytes does not fit MaxLineBytes %d even without its attributes", orig, h.c.maxLine))
	return ErrTooLarge
}

// fitAttempts bounds the encodings fitMessage tries per stage. A
// ReplaceAttr may change the message in any way (append to it, double it,
// replace it), so no argument about lengths can promise that cutting more
// eventually fits: after this many tries the stage gives up, and after the
// last stage the record is dropped and counted as too large.
const fitAttempts = 4

// fitMessage encodes r, with its attributes or without, cutting its message
// so that the line (newline included) is at most limit bytes. It reports
// false if it found no such line within fitAttempts encodings.
func fitMessage(dst []byte, enc *ndjson.Encoder, r *slog.Record, keepAttrs bool, ctxAttrs []slog.Attr, limit int) ([]byte, bool) {
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
	dst = enc.AppendRecord(dst[:0], &empty, ctxAttrs)
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
		dst = enc.AppendRecord(dst[:0], &r2, ctxAttrs)
		if len(dst) <= limit {
			return dst, true
		}
		// Escaping (or ReplaceAttr) made the line longer than the message's
		// bytes: cut the excess and try again. Once room is exhausted, the
		// check above ends the stage.
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
