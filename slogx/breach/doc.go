// Package breach holds log records back while all is well and writes the
// lead-up when trouble happens.
//
// A service logs at DEBUG, as it would like to, into a bounded buffer.
// Nothing reaches the target handler while all is well. When a record at
// [Options.FlushLevel] (WARN by default) arrives, or one that
// [Options.Trigger] picks, the buffered records that led up to it are
// written to the target, oldest first, followed by the record itself. The
// logs then show the detail of what went wrong without the cost of writing
// DEBUG all the time.
//
//	target := slogx.NewJSONHandler(os.Stdout, &slog.HandlerOptions{Level: slog.LevelDebug})
//	h, err := breach.New(target, nil)
//	if err != nil { ... } // bad options; nil options never fail
//	logger := slog.New(h)
//
//	logger.Debug("cache miss", "key", k)             // held
//	logger.Info("querying database")                 // held
//	logger.Error("query failed", "err", err)         // writes all three
//
// The idea comes from naz's BreachHandler and PHP Monolog's
// FingersCrossedHandler; the per-request buffers from .NET's log buffering.
// Unlike Monolog's default, every buffer here is bounded.
//
// # Composing
//
// [Handler] is an ordinary [log/slog.Handler]: put it in front of any
// target, or in a [slogx.Pipe] with [Middleware]. Handlers derived with
// [slog.Logger.With] and [slog.Logger.WithGroup] share the buffer; each
// buffered record is written through the target derived with exactly the
// attributes and groups it was logged with. [Handler.Enabled] honours the
// target's level, so give the target the level you want to see after a
// trigger (usually DEBUG) and let breach decide when.
//
// # What happens to a record
//
// Records below [Options.Level] are discarded. A trigger flushes, as above.
// Records at or above [Options.PassThroughLevel], if set, are written at
// once without flushing anything, so INFO can flow while DEBUG waits.
// Everything else is buffered. After a trigger the buffer is empty and
// buffers again ("re-arms"); with [Options.PassThroughAfterTrigger] it
// passes every record through for a while instead, so the aftermath is
// written too.
//
// A buffered record is kept exactly as it was logged: it is cloned, and its
// [slog.LogValuer] values are resolved (inside groups too) before it goes
// into the buffer, so a flush shows the values of the log call and the
// caller may change its data afterwards. Values of kind Any (an error, a
// pointer) are kept by reference, as [slog.Record.Clone] does. The context
// attributes of [slogx.NewContext] and the [slogx.LocalOnly] marker are
// kept too, and given back to the target in a fresh context at flush time;
// the caller's context itself is not kept alive.
//
// # Bounds
//
// The shared buffer keeps at most [Options.Capacity] records (1000) and
// about [Options.MaxBytes] bytes (8 MiB); when either is reached the oldest
// records are evicted and counted in [Stats].Evicted. The byte count is
// what a record keeps alive, estimated cheaply at log time: its fixed size,
// message and keys, and what its values hold, a []byte's array, an error's
// text, a pointer's struct (see [Options.MaxBytes] for what is and is not
// counted).
//
// The bounds are exact in log order: a flush writes exactly the newest
// Capacity records, or fewer if they exceed MaxBytes, whichever goroutines
// logged them. The memory behind them is freed a little lazily: a record
// that falls out of the window is evicted by the next record stored on the
// same core, or by a sweep of the whole buffer within 64 records or
// MaxBytes/8 bytes, and [Handler.Stats] evicts before it counts.
//
// # Scopes
//
// With one shared buffer, a trigger in one request would write the lead-up
// of every other request in flight. [NewScope] (and [HTTP], which calls it
// for every request) gives a unit of work its own buffer: its records go
// there, its trigger writes only its own lead-up, and ending it discards
// what it holds. Records logged without a scope use the shared buffer.
//
//	http.ListenAndServe(addr, breach.HTTP(mux))  // log with r.Context()
//
// Scopes are bounded per handler: at most [Options.MaxScopes] (512) hold a
// buffer at once, each of [Options.ScopeCapacity] records (100) and
// [Options.ScopeMaxBytes] (128 KiB). A scope that finds the bound reached
// uses the shared buffer and is counted in [Stats].DroppedScopes. A scope
// whose end function is never called ends once its context is garbage, so
// a forgotten end does not hold a buffer for good. A scope needs no
// reference to a handler; one scope serves every breach handler that sees
// its records, each with its own buffer.
//
// # Ordering and concurrency
//
// A flush writes in log order. Flushes never interleave: one flush lock
// orders them, and a flush drains its buffer only after taking it, so two
// racing triggers write two consecutive batches. Logging into a buffer never
// takes that lock, and the target is never called while a buffer is held.
// A record logged by a goroutine before its trigger is always in that
// trigger's flush, even if another goroutine's record ahead of it was still
// being stored. Records written at once (pass-through, heartbeats) never
// land inside a flushed batch, but they do go ahead of older records still
// buffered.
//
// The shared buffer is split into shards, one per P up to eight, each a
// lock-free ring (internal/ringbuf), so that goroutines logging at once on
// different cores do not write to the same memory. Log order is a counter
// that every record is stamped with as it is stored. A flush writes, in
// stamp order, the records stamped before it looked that continue without
// a gap from what earlier flushes wrote, and leaves the rest to the next
// flush. So a record is never written after one logged later, even across
// flushes; a record whose push is stalled (its goroutine descheduled) when
// a flush looks is waited for up to a second, and past that it holds the
// records after it back to the next flush rather than being overtaken.
//
// # A target that logs
//
// A target may log through the same logger while breach writes to it: a
// sink reporting a failed delivery, a writer that logs. Such a record,
// logged on the goroutine that is inside breach's call to the target, is
// buffered whatever its level, and counted in [Stats].Reentrant: writing
// it at once would recurse without end for a target that logs on every
// write, or wait for the flush in progress, which waits for it. A later
// flush writes it, or it is evicted or discarded and counted, like any
// buffered record. [Handler.Flush] and [Handler.Close] called from inside
// the target return an error and do nothing. A target that hands its
// logging to another goroutine and waits for it must not wait on a
// trigger: that goroutine's trigger waits for the flush in progress.
//
// # Lifecycle
//
// [Handler.Flush] writes everything buffered without ending anything.
// [Handler.Close] stops the [Options.Heartbeat] goroutine and, with
// [Options.FlushOnClose], flushes; otherwise it discards. Neither reaches
// the target: [slogx.Pipe] flushes and closes every stage itself.
// [Handler.Stats] accounts for every record: each is written, still
// buffered, evicted, discarded, or abandoned by a Flush whose context
// ended.
//
// # Options
//
// [New] reports bad options (a negative size, a count above its cap, a nil
// target) with an error that lists every problem, as victoria.New does;
// [Middleware], which cannot return an error, panics with it when it is
// called, so the mistake shows when the pipeline is built. Nothing is
// checked, and nothing can panic, at log time: a panicking
// [Options.Trigger] counts as a trigger, and a panicking target during a
// flush costs only that record.
//
// # Performance
//
// Buffering is the hot path, since most records are buffered and never
// written. It allocates nothing for a record of up to five attributes
// without LogValuers: each shard is a ring of record values, allocated the
// first time a record is stored in it, and a [slog.Record] with five
// attributes or fewer copies without allocating. The context attributes are
// kept by their slice header. The byte estimate is a walk over the
// attributes (a bounded reflect walk for values of kind Any other than
// []byte and the errors of errors.New and fmt.Errorf). A record that holds
// a LogValuer is rebuilt, resolved, which allocates.
//
// What concurrent loggers write in common is two counters on one cache
// line, the stamp and the byte total; the records go to the shard of the
// logging goroutine's P, found through a [sync.Pool] of shard numbers,
// which keeps one per P. With one or two shards each ring has room for the
// whole window; with more, the rings hold about two windows between them,
// and a goroutine whose shard is full of the window moves on to the next.
// Either way the fixed part of the slots, a record value each (about 370
// bytes), comes to at most about twice the window: about 750 KiB at the
// default Capacity of 1000. A scope's buffer is one ring.
//
// `make bench` measures these paths, through [slog.Logger] (beside a no-op
// handler, whose cost is slog's own) and directly; the figures live in the
// generated benchmark report.
//
// A flush costs what the target costs to write its records, plus building
// one context per run of records that share their context attributes; it
// reuses one batch buffer. A scope costs five small allocations (160 bytes,
// including the cleanup that ends a forgotten scope) when it starts and
// takes a pooled buffer at its first record.
package breach
