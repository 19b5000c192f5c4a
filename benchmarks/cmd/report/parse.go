package main

import (
	"bufio"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// samples holds the raw `go test -bench` results of one suite: for each
// benchmark (name without the -GOMAXPROCS suffix) and unit, the values in
// the order the runs printed them. Runs are interleaved one round at a
// time, so the i-th value of two benchmarks comes from the same round.
type samples map[string]map[string][]float64

var benchLine = regexp.MustCompile(`^(Benchmark\S+?)(?:-\d+)?\s+\d+\s+(.+)$`)

// parseBench reads `go test -bench` output; lines that are not results
// (headers, PASS, ok) are skipped.
func parseBench(r io.Reader) (samples, error) {
	s := samples{}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		m := benchLine.FindStringSubmatch(sc.Text())
		if m == nil {
			continue
		}
		f := strings.Fields(m[2])
		if len(f)%2 != 0 {
			return nil, fmt.Errorf("odd value/unit pairs in %q", sc.Text())
		}
		for i := 0; i < len(f); i += 2 {
			v, err := strconv.ParseFloat(f[i], 64)
			if err != nil {
				return nil, fmt.Errorf("%q: %v", sc.Text(), err)
			}
			if s[m[1]] == nil {
				s[m[1]] = map[string][]float64{}
			}
			s[m[1]][f[i+1]] = append(s[m[1]][f[i+1]], v)
		}
	}
	return s, sc.Err()
}

// median is benchstat's centre: the middle value, or the mean of the two
// middle ones.
func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// ownCost is a handler's time through slog.Logger less the no-op
// handler's: the difference of the medians (what the table's columns
// subtract to), and the lowest and highest difference within one round.
type ownCost struct {
	Median, Lo, Hi float64
	PerRound       []float64 // the difference within each round
	Rounds         int
}

func own(s samples, name, nop string) (ownCost, error) {
	h, n := s[name]["ns/op"], s[nop]["ns/op"]
	if len(h) == 0 {
		return ownCost{}, fmt.Errorf("no results for %s", name)
	}
	if len(n) == 0 {
		return ownCost{}, fmt.Errorf("no results for %s, the no-op handler %s is measured against", nop, name)
	}
	c := ownCost{Median: median(h) - median(n), Rounds: min(len(h), len(n))}
	for i := range c.Rounds {
		d := h[i] - n[i]
		c.PerRound = append(c.PerRound, d)
		if i == 0 || d < c.Lo {
			c.Lo = d
		}
		if i == 0 || d > c.Hi {
			c.Hi = d
		}
	}
	return c, nil
}
