package victoria

import "go.slogx.dev/internal/shipper"

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
const TruncatedKey = shipper.TruncatedKey
