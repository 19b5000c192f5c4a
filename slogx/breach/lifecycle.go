package breach

import (
	"context"
	"errors"
	"log/slog"
	"time"
)

// Stats are a handler's counters. Buffered and Scopes are snapshots; the
// others only grow. Every record the handler accepted and did not write is
// in exactly one of Buffered, Evicted, Discarded or Abandoned.
type Stats struct {
	// Buffered is the number of records held now, in the shared buffer and
	// every live scope.
	Buffered int
	// Evicted counts records pushed out of a full buffer, by Capacity or
	// MaxBytes, before anything triggered.
	Evicted uint64
	// Flushed counts buffered records written to the target by a trigger,
	// Flush or Close. Records written directly (triggers themselves,
	// pass-through, heartbeats) are not counted.
	Flushed uint64
	// Failed counts flushed records for which the target returned an error
	// or panicked.
	Failed uint64
	// Triggers counts records that triggered a flush.
	Triggers uint64
	// Discarded counts buffered records dropped on purpose because nothing
	// went wrong: their scope ended, or Close ran without FlushOnClose.
	Discarded uint64
	// Abandoned counts records drained by a Flush whose context ended
	// before they were written.
	Abandoned uint64
	// Scopes is the number of scopes holding a buffer of this handler now.
	Scopes int
	// DroppedScopes counts scopes that found MaxScopes reached and used the
	// shared buffer instead.
	DroppedScopes uint64
	// Reentrant counts records the target logged through this handler
	// while the handler was writing to it, on the same goroutine. They were
	// buffered, whatever their level, rather than written at once, which
	// would recurse or wait for the write in progress; like every buffered
	// record, each is then flushed, evicted or discarded.
	Reentrant uint64
}

// Stats returns the handler's counters, shared with every handler derived
// from it.
func (h *Handler) Stats() Stats {
	c := h.c
	// held settles first: what it evicts must be in the count read after.
	buffered, excess := c.shared.held()
	st := Stats{
		Buffered:      buffered,
		Evicted:       c.shared.evictedCount() + excess,
		Flushed:       c.stats.flushed.Load(),
		Failed:        c.stats.failed.Load(),
		Triggers:      c.stats.triggers.Load(),
		Discarded:     c.stats.discarded.Load(),
		Abandoned:     c.stats.abandoned.Load(),
		DroppedScopes: c.stats.droppedScopes.Load(),
		Reentrant:     c.stats.reentrant.Load(),
	}
	c.scopesMu.Lock()
	st.Scopes = len(c.live)
	st.Evicted += c.stats.evicted.Load()
	for _, b := range c.live {
		buffered, excess := b.held()
		st.Buffered += buffered
		st.Evicted += b.evictedCount() + excess
	}
	c.scopesMu.Unlock()
	return st
}

// Flush writes everything buffered to the target: the shared buffer, then
// each live scope's, each oldest first and each as one uninterrupted batch.
// Scopes are not ended; they go on buffering. Flush gives up when ctx is
// done, returning ctx's error; records it had taken from a buffer but not
// written are counted in [Stats].Abandoned, the rest stay buffered.
//
// Flush does not flush the target: [slogx.Pipe] flushes every stage.
func (h *Handler) Flush(ctx context.Context) error {
	return h.c.flushAll(ctx)
}

func (c *core) flushAll(ctx context.Context) error {
	if reentrant() {
		return errReentrant
	}
	c.flushMu.Lock()
	defer c.flushMu.Unlock()
	if err := ctx.Err(); err != nil {
		return err // leave everything buffered rather than abandon it
	}

	var errs []error
	batch := c.shared.drainSettled(c.batch[:0])
	errs = append(errs, c.writeBatch(ctx, batch))
	clear(batch)

	type scoped struct {
		s *scope
		b *buffer
	}
	c.scopesMu.Lock()
	live := make([]scoped, 0, len(c.live))
	for s, b := range c.live {
		live = append(live, scoped{s, b})
	}
	c.scopesMu.Unlock()

	for _, l := range live {
		if ctx.Err() != nil {
			break
		}
		batch = batch[:0]
		l.s.mu.RLock()
		if !l.s.ended { // else its buffer may already serve another scope
			batch = l.b.drainSettled(batch)
		}
		l.s.mu.RUnlock()
		errs = append(errs, c.writeBatch(ctx, batch))
		clear(batch)
	}
	c.batch = batch[:0]
	if err := ctx.Err(); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// Close stops the heartbeat goroutine and then, with
// [Options.FlushOnClose], flushes everything buffered as [Handler.Flush]
// does, giving up after [DefaultCloseTimeout]; without it, Close discards
// what is buffered and counts it in [Stats].Discarded.
//
// Flush and Close called from inside the target, while the handler writes
// to it, do nothing and return an error: the write in progress holds what
// they need.
//
// Close does not close the target: [slogx.Pipe] closes every stage. Only
// the first call does anything; the handler still works afterwards, without
// a heartbeat.
func (h *Handler) Close() error {
	c := h.c
	if reentrant() {
		return errReentrant // the write in progress holds what Close needs
	}
	var err error
	c.closeOnce.Do(func() {
		if c.stop != nil {
			close(c.stop)
			<-c.done
		}
		if c.cfg.flushOnClose {
			ctx, cancel := context.WithTimeout(context.Background(), DefaultCloseTimeout)
			err = c.flushAll(ctx)
			cancel()
			return
		}
		c.discardAll()
	})
	return err
}

func (c *core) discardAll() {
	// A buffer must not be flushed while it is discarded: both move on
	// what the next flush continues from. flushMu is taken before a
	// scope's lock, as triggers and flushAll do.
	c.flushMu.Lock()
	defer c.flushMu.Unlock()
	n := c.shared.discard()
	c.scopesMu.Lock()
	live := make(map[*scope]*buffer, len(c.live))
	for s, b := range c.live {
		live[s] = b
	}
	c.scopesMu.Unlock()
	for s, b := range live {
		s.mu.RLock()
		if !s.ended {
			n += b.discard()
		}
		s.mu.RUnlock()
	}
	c.stats.discarded.Add(uint64(n))
}

// heartbeatMessage is the message of the liveness record.
const heartbeatMessage = "breach heartbeat"

func (c *core) heartbeatLoop(t ticker) {
	defer close(c.done)
	defer t.Stop()
	for {
		select {
		case <-c.stop:
			return
		case now := <-t.C():
			c.beat(now)
		}
	}
}

// beat writes one liveness record straight to the target. It is written
// outside any flush, never buffered, and its errors have nowhere to go.
func (c *core) beat(now time.Time) {
	ctx := context.Background()
	if !c.root.Enabled(ctx, slog.LevelInfo) {
		return
	}
	st := (&Handler{c: c}).Stats()
	r := slog.NewRecord(now, slog.LevelInfo, heartbeatMessage, 0)
	r.AddAttrs(
		slog.Int("buffered", st.Buffered),
		slog.Uint64("evicted", st.Evicted),
		slog.Uint64("flushed", st.Flushed),
		slog.Uint64("triggers", st.Triggers),
		slog.Int("scopes", st.Scopes),
	)
	c.flushMu.RLock()
	defer c.flushMu.RUnlock()
	_ = handleSafely(ctx, c.root, r)
}
