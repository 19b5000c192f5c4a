package breach

import (
	"context"
	"net/http"
	"runtime"
	"sync"
	"sync/atomic"
)

// NewScope returns a copy of ctx that starts a scope, and the function that
// ends it. A scope is one unit of work, typically one request, with its own
// buffer in every breach [Handler] that sees a record logged with the
// returned context (or a context derived from it):
//
//   - its records go to the scope's buffer, not the shared one;
//   - a trigger logged with it writes only the scope's lead-up, never the
//     records of another scope or of unscoped work;
//   - ending it discards what it still holds (counted in
//     [Stats].Discarded): the work finished and nothing went wrong.
//
// Call the end function when the work is done, typically with defer; it is
// safe to call more than once and from any goroutine. Records logged with
// the context after that are treated as unscoped. A scope whose end is
// never called ends when the garbage collector finds its context
// unreachable, so a forgotten end costs its buffer for a while, not for
// good. A scope does not depend on a particular handler, so one scope
// serves every breach handler in a pipeline; each handler bounds its live
// scopes by [Options.MaxScopes].
//
// NewScope on a context that is already in a scope starts a separate inner
// scope: records logged with the new context go only to it.
func NewScope(ctx context.Context) (context.Context, func()) {
	if ctx == nil {
		ctx = context.Background()
	}
	s := &scope{}
	sctx := &scopeCtx{Context: ctx, s: s}
	s.cleanup = runtime.AddCleanup(sctx, (*scope).end, s)
	return sctx, s.end
}

// HTTP wraps next so that every request runs in its own scope (see
// [NewScope]): log with r.Context() and a failing request writes its own
// lead-up and nothing else. The scope ends when next returns, even by a
// panic.
func HTTP(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, end := NewScope(r.Context())
		defer end()
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

type scopeKey struct{}

// scopeCtx is the context NewScope returns: ctx carrying the scope, as
// context.WithValue would, in one allocation. Handlers keep the scope (in
// their list of live scopes) but never the context, so the context becomes
// unreachable with the last context derived from it, and its cleanup ends
// a scope that was never ended.
type scopeCtx struct {
	context.Context
	s *scope
}

func (c *scopeCtx) Value(key any) any {
	if key == (scopeKey{}) {
		return c.s
	}
	return c.Context.Value(key)
}

func scopeFrom(ctx context.Context) *scope {
	if ctx == nil {
		return nil
	}
	s, _ := ctx.Value(scopeKey{}).(*scope)
	return s
}

// scope is the state behind a scoped context.
//
// Its read lock is held while a record goes into, or a flush drains, one of
// its buffers; end takes the write lock, so once a scope has ended no one
// touches its buffers and they can serve other scopes.
type scope struct {
	mu    sync.RWMutex
	ended bool
	// one is the slot of the first handler to buffer for the scope, kept
	// inline because most programs have a single breach handler; it is
	// written once, under mu, before first points to it. more holds the
	// slots of further handlers, under mu.
	one  scopeSlot
	more []scopeSlot

	// first is &one once set, for the lock-free lookup; nil after end.
	first atomic.Pointer[scopeSlot]

	// cleanup ends the scope if its context is collected first; end
	// cancels it.
	cleanup runtime.Cleanup
}

// scopeSlot is a scope's buffer in one handler; b is nil when the handler
// had no room for the scope (MaxScopes) and its records go to the shared
// buffer.
type scopeSlot struct {
	c *core
	b *buffer
}

func (s *scope) end() {
	s.mu.Lock()
	if s.ended {
		s.mu.Unlock()
		return
	}
	s.ended = true
	s.cleanup.Stop()
	s.first.Store(nil)
	slots := s.more
	if s.one.c != nil {
		slots = append(slots, s.one)
	}
	s.more = nil
	s.mu.Unlock()
	for _, sl := range slots {
		if sl.b != nil {
			sl.c.release(s, sl.b)
		}
	}
}

// scopeBuffer returns s's buffer in c, giving it one on first use, or nil
// if s has ended or c has no room for it. The caller must check s.ended
// under s.mu.RLock before using the buffer.
func (c *core) scopeBuffer(s *scope) *buffer {
	if sl := s.first.Load(); sl != nil && sl.c == c {
		return sl.b
	}
	s.mu.RLock()
	b, found := s.lookup(c)
	s.mu.RUnlock()
	if found {
		return b
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if b, found := s.lookup(c); found {
		return b
	}
	sl := scopeSlot{c: c, b: c.acquire(s)}
	if s.one.c == nil {
		s.one = sl
		s.first.Store(&s.one)
	} else {
		s.more = append(s.more, sl)
	}
	return sl.b
}

// lookup returns s's buffer in c and whether s has settled it: found is
// true with a nil buffer once s has ended or c had no room. Must be called
// with s.mu held.
func (s *scope) lookup(c *core) (b *buffer, found bool) {
	if s.ended {
		return nil, true
	}
	if s.one.c == c {
		return s.one.b, true
	}
	for _, sl := range s.more {
		if sl.c == c {
			return sl.b, true
		}
	}
	return nil, false
}

// acquire gives s a buffer, or returns nil and counts a dropped scope when
// MaxScopes scopes already hold one.
func (c *core) acquire(s *scope) *buffer {
	c.scopesMu.Lock()
	defer c.scopesMu.Unlock()
	if len(c.live) >= c.cfg.maxScopes {
		c.stats.droppedScopes.Add(1)
		return nil
	}
	b, _ := c.pool.Get().(*buffer)
	if b == nil {
		b = newBuffer(c.cfg.scopeCapacity, c.cfg.scopeMaxBytes, 1)
	}
	c.live[s] = b
	return b
}

// release empties the buffer of an ended scope and makes it available to
// other scopes. No one else can reach the buffer through s any more.
func (c *core) release(s *scope, b *buffer) {
	n := b.discard()
	c.stats.discarded.Add(uint64(n))
	b.passUntil.Store(0)
	c.scopesMu.Lock()
	delete(c.live, s)
	// Stats sums the live buffers under the same lock, so the evictions
	// move from the buffer to the handler without being counted twice.
	c.stats.evicted.Add(b.takeEvicted())
	c.scopesMu.Unlock()
	c.pool.Put(b)
}
