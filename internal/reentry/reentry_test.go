package reentry

import (
	"sync"
	"testing"
)

//go:noinline
func inside(f func()) { f() }

//go:noinline
func other(f func()) { f() }

var insideRange = CodeRange(inside)

// recurse puts depth frames between the test and the check, so the walk
// must go past its first page of return addresses.
//
//go:noinline
func recurse(depth int, f func()) {
	if depth == 0 {
		f()
		return
	}
	recurse(depth-1, f)
}

func TestOnStack(t *testing.T) {
	if r := insideRange; r.lo == 0 || r.hi <= r.lo || r.hi-r.lo > 4096 {
		t.Fatalf("inside's code found at %#x..%#x", r.lo, r.hi)
	}
	if insideRange.OnStack() {
		t.Fatal("OnStack outside any call of inside")
	}
	for _, depth := range []int{0, 1, 31, 32, 33, 200} {
		var got, gotOther bool
		inside(func() { recurse(depth, func() { got = insideRange.OnStack() }) })
		other(func() { recurse(depth, func() { gotOther = insideRange.OnStack() }) })
		if !got {
			t.Errorf("depth %d: a call of inside in progress was not seen", depth)
		}
		if gotOther {
			t.Errorf("depth %d: a call of other was taken for one of inside", depth)
		}
	}
}

// Another goroutine inside the function does not make this one inside.
func TestOnStackIsPerGoroutine(t *testing.T) {
	in, release := make(chan struct{}), make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		inside(func() { close(in); <-release })
	}()
	<-in
	if insideRange.OnStack() {
		t.Error("a call on another goroutine was seen on this one")
	}
	close(release)
	wg.Wait()
}
