package breach

import (
	"flag"
	"fmt"
	"math/rand/v2"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// This file explores interleavings of pushes, flushes, settles and discards
// of one buffer. Each actor is a goroutine that pauses at every testHook
// point (see buffer.go) until a scheduler, driven by a seeded random
// source, resumes it; the scheduler resumes one actor at a time. An actor
// paused inside a push's fill holds a claimed ring place, which others may
// wait for (makeRoom yields, a flush waits up to settleTimeout): when the
// resumed actor reaches no hook soon, the scheduler lets it run and resumes
// another. Timing can therefore change the schedule a seed produces, but
// never what is asserted: every invariant holds whatever the timing.

var (
	schedSeed  = flag.Uint64("sched.seed", 0, "run only this seed of TestSchedInterleavings (0: all)")
	schedSeeds = flag.Int("sched.seeds", 0, "number of seeds TestSchedInterleavings runs (0: 2000, fewer with -race or -short)")
)

const (
	// schedShort is how long the scheduler waits for the resumed actor to
	// reach a hook when another actor is paused inside a fill (so the
	// resumed one may be waiting for it); schedLong when none is.
	schedShort = 2 * time.Millisecond
	schedLong  = 2 * time.Second
	// schedHang bounds one seed's run; past it the run is reported as a
	// hang (a push or flush that cannot make progress).
	schedHang = 20 * time.Second
)

// curSched is the explorer run the hooks report to; nil between runs.
var curSched atomic.Pointer[sched]

func schedHook(point string) {
	if s := curSched.Load(); s != nil {
		s.hook(point)
	}
}

type schedActor struct {
	name   string
	run    func()
	resume chan struct{}
	point  string // where it is paused
	cur    string // for a pusher, the message it is pushing
	state  int    // schedParked, schedRunning, schedDone
}

const (
	schedParked = iota
	schedRunning
	schedDone
)

type schedEvent struct {
	a     *schedActor
	point string
	done  bool
}

type sched struct {
	rng *rand.Rand
	// pct, if set, schedules by priority rather than uniformly: the
	// parked actor of highest priority runs, and at a few random steps the
	// running one drops to the lowest (as in PCT, Burckhardt et al. 2010).
	// That keeps an actor paused for long, e.g. inside a fill while rings
	// fill up behind its place.
	pct       bool
	prio      map[*schedActor]int
	changes   []int // steps at which the running actor's priority drops
	actors    []*schedActor
	events    chan schedEvent // buffered: an actor has at most one event pending
	free      atomic.Bool     // hooks return at once (to unstick actors after a failure)
	mu        sync.Mutex
	byGID     map[uint64]*schedActor
	trace     []string
	steps     int // actors resumed
	waits     int // of which did not reach a hook soon
	longWaits int

	// solo, if set, runs when an actor reaches a hook after a step in
	// which no other actor ran: every actor is paused, and all that
	// happened since the previous pause is that actor's doing.
	solo func(a *schedActor, point string)
}

// goid returns the calling goroutine's id, from its stack header.
func goid() uint64 {
	var buf [64]byte
	s := string(buf[:runtime.Stack(buf[:], false)])
	s = strings.TrimPrefix(s, "goroutine ")
	id, _ := strconv.ParseUint(s[:strings.IndexByte(s, ' ')], 10, 64)
	return id
}

func (s *sched) hook(point string) {
	if s.free.Load() {
		return
	}
	s.mu.Lock()
	a := s.byGID[goid()]
	s.mu.Unlock()
	if a == nil {
		return // not an actor of this run
	}
	s.events <- schedEvent{a: a, point: point}
	<-a.resume
}

func (s *sched) add(name string, run func()) {
	s.actors = append(s.actors, &schedActor{name: name, run: run, resume: make(chan struct{}, 1)})
}

// inFill reports whether an actor other than except is paused inside a
// push's fill, holding a claimed place.
func (s *sched) inFill(except *schedActor) bool {
	for _, a := range s.actors {
		if a != except && a.state == schedParked && strings.HasPrefix(a.point, "push:") && a.point != "push:stored" {
			return true
		}
	}
	return false
}

// run starts the actors, each paused before its first step, and schedules
// them until all are done. It returns an error if they do not finish
// within schedHang; the actors are then let run freely and waited for.
func (s *sched) run() error {
	s.events = make(chan schedEvent, len(s.actors))
	if s.pct {
		s.prio = make(map[*schedActor]int)
		for i, p := range s.rng.Perm(len(s.actors)) {
			s.prio[s.actors[i]] = p + 1
		}
		for range 1 + s.rng.IntN(4) {
			s.changes = append(s.changes, s.rng.IntN(80))
		}
	}
	s.byGID = make(map[uint64]*schedActor)
	for _, a := range s.actors {
		a.state = schedRunning
		go func() {
			s.mu.Lock()
			s.byGID[goid()] = a
			s.mu.Unlock()
			s.events <- schedEvent{a: a, point: "start"}
			<-a.resume
			a.run()
			s.events <- schedEvent{a: a, done: true}
		}()
	}
	deadline := time.NewTimer(schedHang)
	defer deadline.Stop()
	left := len(s.actors)
	handle := func(ev schedEvent) {
		if ev.done {
			ev.a.state = schedDone
			left--
			return
		}
		ev.a.state, ev.a.point = schedParked, ev.point
	}
	for left > 0 {
		var parked []*schedActor
		for _, a := range s.actors {
			if a.state == schedParked {
				parked = append(parked, a)
			}
		}
		if len(parked) == 0 {
			select {
			case ev := <-s.events:
				handle(ev)
			case <-deadline.C:
				return s.unstick()
			}
			continue
		}
		var a *schedActor
		if s.pct {
			for _, p := range parked {
				if a == nil || s.prio[p] > s.prio[a] {
					a = p
				}
			}
			if slices.Contains(s.changes, s.steps) {
				s.prio[a] = -s.steps
				s.trace = append(s.trace, "(drop "+a.name+")")
			}
		} else {
			a = parked[s.rng.IntN(len(parked))]
		}
		s.trace = append(s.trace, a.name+"@"+a.point)
		s.steps++
		wait := schedLong
		if s.inFill(a) {
			wait = schedShort
		}
		alone := true
		for _, o := range s.actors {
			alone = alone && (o == a || o.state != schedRunning)
		}
		a.state = schedRunning
		a.resume <- struct{}{}
		timer := time.NewTimer(wait)
	step:
		for {
			select {
			case ev := <-s.events:
				handle(ev)
				if ev.a == a {
					if alone && !ev.done && s.solo != nil {
						s.solo(a, ev.point)
					}
					break step
				}
				alone = false
				if wait == schedLong && s.inFill(a) {
					// It paused holding a place a may wait for.
					wait = schedShort
					timer.Reset(wait)
				}
			case <-timer.C:
				s.trace = append(s.trace, a.name+" waits")
				s.waits++
				if wait == schedLong {
					s.longWaits++
					s.trace = append(s.trace, "LONG")
				}
				break step
			case <-deadline.C:
				timer.Stop()
				return s.unstick()
			}
		}
		timer.Stop()
	}
	return nil
}

func (s *sched) unstick() error {
	var stuck []string
	for _, a := range s.actors {
		if a.state != schedDone {
			stuck = append(stuck, a.name+"@"+a.point)
		}
	}
	s.free.Store(true)
	for _, a := range s.actors {
		if a.state == schedParked {
			a.resume <- struct{}{}
		}
	}
	left := len(stuck)
	timeout := time.After(10 * time.Second)
	for left > 0 {
		select {
		case ev := <-s.events:
			if ev.done {
				left--
			} else {
				ev.a.resume <- struct{}{}
			}
		case <-timeout:
			panic(fmt.Sprintf("sched: actors %q still stuck after being let run freely", stuck))
		}
	}
	return fmt.Errorf("hang: actors %q did not finish within %v", stuck, schedHang)
}

// schedWritten is a record as a flush wrote it.
type schedWritten struct {
	msg  string
	seq  uint64
	size int64
}

type schedFlush struct {
	recs          []schedWritten
	before, after uint64 // the clock around the flush
	look          uint64 // the clock when it looked, if known (else 0)
	stalled       bool   // it may have given up waiting for a push
	discards      bool   // a discard ran before or during it
	final         bool
}

type schedRun struct {
	seed     uint64
	sched    *sched
	shards   int
	capacity int
	maxBytes int64
	ringCap  int
	pushed   map[string]int64  // message -> size
	seqOf    map[string]uint64 // message -> seq, where the schedule tells
	order    map[string][2]int
	flushes  []schedFlush
	discards []int
	helds    int
}

func (r *schedRun) String() string {
	mode := "uniform"
	if r.sched.pct {
		mode = fmt.Sprint("pct ", r.sched.changes)
	}
	return fmt.Sprintf("seed %d, %s: %d shards, capacity %d, maxBytes %d, ringCap %d, %d pushed, %d flushes, discards %v, %d helds",
		r.seed, mode, r.shards, r.capacity, r.maxBytes, r.ringCap, len(r.pushed), len(r.flushes), r.discards, r.helds)
}

// schedExplore runs one seed and returns the run and, if an invariant
// failed, why, with the schedule.
func schedExplore(seed uint64) (*schedRun, error) {
	rng := rand.New(rand.NewPCG(seed, 0x5eed))
	run := &schedRun{
		seed:     seed,
		shards:   1 + rng.IntN(4),
		capacity: 1 + rng.IntN(6),
		maxBytes: DefaultMaxBytes,
		pushed:   make(map[string]int64),
		order:    make(map[string][2]int),
		seqOf:    make(map[string]uint64),
	}
	recSize := bufEntry("p0-00").size
	if rng.IntN(2) == 0 {
		run.maxBytes = int64(1+rng.IntN(4))*recSize + int64(rng.IntN(60))
	}
	b := newBuffer(run.capacity, run.maxBytes, run.shards)
	switch rng.IntN(3) {
	case 0:
		// A ring with room for the window and one more record, rather than
		// ringSlack more, so that rings fill and makeRoom runs.
		b.ringCap = int(min(int64(run.capacity), run.maxBytes/entrySize+1)) + 1
	case 1:
		// A ring of two, smaller than the window: a stress setting that
		// production never uses, for makeRoom and the carry. Nothing in
		// the window's semantics depends on the ring's size.
		b.ringCap = 2
	}
	run.ringCap = b.ringCap

	s := &sched{rng: rng, pct: rng.IntN(2) == 0}
	run.sched = s
	// What each actor is at, for s.solo: read by the scheduler while the
	// actor is paused (the channels order it).
	var look uint64
	s.solo = func(a *schedActor, point string) {
		switch point {
		case "push:after-seq":
			run.seqOf[a.cur] = b.clock.Load()
		case "flush:looked":
			look = b.clock.Load()
		}
	}
	// Pushers: each pushes a few records, each into a random shard. The
	// records' sizes vary with a padding attribute.
	pushers := 2 + rng.IntN(3)
	for p := range pushers {
		n := 1 + rng.IntN(10)
		var es []*entry
		var to []int
		for i := range n {
			msg := fmt.Sprintf("p%d-%02d", p, i)
			e := bufEntry(msg)
			if k := rng.IntN(3); k > 0 {
				e = bufEntry(msg, "pad", strings.Repeat("x", 30*k))
			}
			run.pushed[msg] = e.size
			run.order[msg] = [2]int{p, i}
			es = append(es, e)
			to = append(to, rng.IntN(run.shards))
		}
		s.add(fmt.Sprint("p", p), nil)
		a := s.actors[len(s.actors)-1]
		a.run = func() {
			for i, e := range es {
				a.cur = e.rec.Message
				b.pushTo(&b.shards[to[i]], e, nil)
			}
		}
	}
	// The flusher: flushes, and sometimes discards, one after another, as
	// the core's flushMu serializes them.
	var discarded atomic.Bool
	withDiscards := rng.IntN(3) == 0
	nops := 1 + rng.IntN(4)
	ops := make([]bool, nops) // true: discard
	for i := range ops {
		ops[i] = withDiscards && rng.IntN(3) == 0
	}
	s.add("f", func() {
		for _, discard := range ops {
			if discard {
				discarded.Store(true)
				run.discards = append(run.discards, b.discard())
				continue
			}
			f := schedFlush{before: b.clock.Load(), discards: discarded.Load()}
			look = 0
			start := time.Now()
			batch := b.drainSettled(nil)
			f.stalled = time.Since(start) >= settleTimeout/2
			f.after = b.clock.Load()
			f.look = look
			for i := range batch {
				f.recs = append(f.recs, schedWritten{batch[i].rec.Message, batch[i].seq, batch[i].size})
			}
			run.flushes = append(run.flushes, f)
		}
	})
	// Stats: held runs at any time, concurrently with flushes.
	if rng.IntN(2) == 0 {
		nh := 1 + rng.IntN(2)
		s.add("h", func() {
			for range nh {
				b.held()
				run.helds++
			}
		})
	}

	curSched.Store(s)
	err := s.run()
	curSched.Store(nil)
	if err != nil {
		return run, fmt.Errorf("%v\nschedule: %s", err, strings.Join(s.trace, " "))
	}

	// The final flush, with nothing concurrent.
	f := schedFlush{before: b.clock.Load(), discards: discarded.Load(), final: true}
	f.look = f.before
	start := time.Now()
	batch := b.drainSettled(nil)
	f.stalled = time.Since(start) >= settleTimeout/2
	f.after = b.clock.Load()
	for i := range batch {
		f.recs = append(f.recs, schedWritten{batch[i].rec.Message, batch[i].seq, batch[i].size})
	}
	run.flushes = append(run.flushes, f)

	if err := run.check(b); err != nil {
		var fl []string
		for _, f := range run.flushes {
			var rs []string
			for _, r := range f.recs {
				rs = append(rs, fmt.Sprintf("%s#%d", r.msg, r.seq))
			}
			fl = append(fl, fmt.Sprintf("[clock %d..%d: %s]", f.before, f.after, strings.Join(rs, " ")))
		}
		return run, fmt.Errorf("%v\n%v\nflushes: %s\nschedule: %s", run, err, strings.Join(fl, " "), strings.Join(s.trace, " "))
	}
	return run, nil
}

// check asserts the invariants of a finished run on its buffer b.
func (r *schedRun) check(b *buffer) error {
	c := uint64(r.capacity)
	// (1) Across all flushes, seqs strictly increase: no record twice, none
	// after a later one, each pusher's in its order.
	// The sizes of the records by seq, where known: written ones, and
	// those whose seq the schedule tells.
	sizeOf := make(map[uint64]int64)
	var maxSize int64
	for msg, size := range r.pushed {
		maxSize = max(maxSize, size)
		if seq, ok := r.seqOf[msg]; ok {
			sizeOf[seq] = size
		}
	}
	for _, f := range r.flushes {
		for _, w := range f.recs {
			if seq, ok := r.seqOf[w.msg]; ok && seq != w.seq {
				return fmt.Errorf("explorer: %s has seq %d, the schedule said %d", w.msg, w.seq, seq)
			}
			sizeOf[w.seq] = w.size
		}
	}
	size := func(seq uint64) int64 {
		if s, ok := sizeOf[seq]; ok {
			return s
		}
		return maxSize
	}
	var lastSeq uint64
	writtenSeqs := make(map[uint64]bool)
	written := make(map[string]schedWritten)
	lastOf := make(map[int]int)
	var earlier map[uint64]bool // seqs written before the final flush
	stalled, discards := false, len(r.discards) > 0
	for fi, f := range r.flushes {
		stalled = stalled || f.stalled
		if f.final {
			earlier = make(map[uint64]bool)
			for _, w := range written {
				earlier[w.seq] = true
			}
		}
		var bytes int64
		for _, w := range f.recs {
			if _, dup := written[w.msg]; dup {
				return fmt.Errorf("flush %d: %s written twice", fi, w.msg)
			}
			if w.seq <= lastSeq {
				return fmt.Errorf("flush %d: %s (seq %d) written after seq %d", fi, w.msg, w.seq, lastSeq)
			}
			if size, ok := r.pushed[w.msg]; !ok || size != w.size {
				return fmt.Errorf("flush %d: %s was not pushed, or with another size", fi, w.msg)
			}
			o := r.order[w.msg]
			if last, ok := lastOf[o[0]]; ok && o[1] <= last {
				return fmt.Errorf("flush %d: pusher %d's record %d written after its record %d", fi, o[0], o[1], last)
			}
			lastOf[o[0]] = o[1]
			lastSeq = w.seq
			written[w.msg] = w
			writtenSeqs[w.seq] = true
			bytes += w.size
			// (2) Written records were in the window when it looked, or
			// later: fewer than capacity records were logged after them.
			if w.seq > f.after || f.before >= c && w.seq <= f.before-c {
				return fmt.Errorf("flush %d: wrote %s (seq %d) with the clock at %d..%d, out of a window of %d",
					fi, w.msg, w.seq, f.before, f.after, c)
			}
		}
		// (2) At most a window: capacity records, maxBytes unless one.
		if len(f.recs) > r.capacity {
			return fmt.Errorf("flush %d wrote %d records, capacity %d", fi, len(f.recs), r.capacity)
		}
		if len(f.recs) > 1 && bytes > r.maxBytes {
			return fmt.Errorf("flush %d wrote %d records of %d bytes, maxBytes %d", fi, len(f.recs), bytes, r.maxBytes)
		}
		// Every record stamped by the time the flush looked that is still
		// in the window when it returned (counting unknown sizes as the
		// largest) is written by it or an earlier flush, unless a discard
		// could have taken it or a flush gave up waiting.
		if f.look > 0 && !f.discards && !stalled {
			var bytes int64
			for s := f.look + 1; s <= f.after; s++ {
				bytes += size(s)
			}
			for s := f.look; s > 0 && f.after-s < c; s-- {
				bytes += size(s)
				if s != f.after && bytes > r.maxBytes {
					break
				}
				if !writtenSeqs[s] {
					return fmt.Errorf("flush %d (looked at %d, clock %d after): seq %d, in the window, not written",
						fi, f.look, f.after, s)
				}
			}
		}
		// The newest record when the flush looked is written by it or an
		// earlier one, if nothing was stamped while it ran (so it looked at
		// that record), no discard could have taken it and it did not give
		// up waiting.
		if f.before > 0 && f.before == f.after && !f.discards && !stalled {
			found := false
			for _, w := range written {
				found = found || w.seq == f.before
			}
			if !found {
				return fmt.Errorf("flush %d: the newest record (seq %d) when it looked is not written", fi, f.before)
			}
		}
	}

	// (3) Everything is accounted for, and nothing is left.
	var nd uint64
	for _, n := range r.discards {
		nd += uint64(n)
	}
	if got := uint64(len(written)) + b.evictedCount() + nd; got != uint64(len(r.pushed)) {
		return fmt.Errorf("written %d + evicted %d + discarded %d = %d, pushed %d (len %d left)",
			len(written), b.evictedCount(), nd, got, len(r.pushed), b.len())
	}
	if n, excess := b.held(); n != 0 || excess != 0 || b.len() != 0 || b.bytes() != 0 {
		return fmt.Errorf("after the final flush held() = %d, %d, len() = %d, bytes() = %d", n, excess, b.len(), b.bytes())
	}

	// (4) With no discard and no flush giving up, the final flush writes
	// the window at the newest record, less what earlier flushes wrote:
	// the newest records up to capacity and maxBytes (the newest always).
	// A record of that window missing from every flush was evicted, which
	// is wrong; the walk stops where the window ends, or where it cannot
	// tell, at a record never written whose size may or may not fit.
	if discards || stalled {
		return nil
	}
	final := r.flushes[len(r.flushes)-1]
	top := final.before
	var unwrittenMax int64
	for msg, size := range r.pushed {
		if _, ok := written[msg]; !ok {
			unwrittenMax = max(unwrittenMax, size)
		}
	}
	var want []uint64
	var bytes int64
	for s := top; s > 0 && top-s < c; s-- {
		sz, ok := sizeOf[s]
		if ok && !writtenSeqs[s] && (s == top || bytes+sz <= r.maxBytes) {
			return fmt.Errorf("seq %d, in the window at %d (capacity %d, %d bytes after it), was never written",
				s, top, r.capacity, bytes)
		}
		if !ok {
			if s == top || bytes+unwrittenMax <= r.maxBytes {
				return fmt.Errorf("seq %d, in the window at %d (capacity %d, %d bytes after it), was never written",
					s, top, r.capacity, bytes)
			}
			// Out of the window if its size is more than fits: then so is
			// everything older. If it was wrongly evicted, the flushes do
			// not write older records either (they continue from it).
			break
		}
		if s != top && bytes+sz > r.maxBytes {
			break
		}
		bytes += sz
		if !earlier[s] {
			want = append(want, s)
		}
	}
	slices.Reverse(want)
	var got []uint64
	for _, w := range final.recs {
		got = append(got, w.seq)
	}
	if !slices.Equal(got, want) {
		return fmt.Errorf("the final flush wrote seqs %v, want the rest of the window at %d: %v", got, top, want)
	}
	return nil
}

// TestSchedInterleavings explores interleavings of pushes into random
// shards with flushes, discards and held, one seed per schedule.
func TestSchedInterleavings(t *testing.T) {
	testHook = schedHook
	defer func() { testHook = nil }()
	seeds := uint64(*schedSeeds)
	first := uint64(1)
	switch {
	case *schedSeed != 0:
		first, seeds = *schedSeed, 1
	case seeds != 0:
	case testing.Short():
		seeds = 300
	default:
		seeds = min(2000, schedRaceSeeds)
	}
	start := time.Now()
	var steps, waits, written, evicted int
	for seed := first; seed < first+seeds; seed++ {
		run, err := schedExplore(seed)
		if err != nil {
			t.Fatalf("seed %d (rerun with -sched.seed=%d): %v", seed, seed, err)
		}
		steps += run.sched.steps
		if run.sched.longWaits > 0 {
			t.Logf("seed %d: %d steps waited %v with no fill paused", seed, run.sched.longWaits, schedLong)
		}
		waits += run.sched.waits
		for _, f := range run.flushes {
			written += len(f.recs)
		}
		evicted += len(run.pushed)
	}
	evicted -= written
	t.Logf("%d seeds in %v: %d steps, %d of them waited; %d records written, %d evicted or discarded",
		seeds, time.Since(start), steps, waits, written, evicted)
}
