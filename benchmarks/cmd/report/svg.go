package main

import (
	"fmt"
	"html"
	"io"
	"math"
	"strings"
)

// bar is one bar of the chart.
type bar struct {
	Label string
	NS    float64
	Kind  barKind
}

type barKind int

const (
	ownBar    barKind = iota // a handler's own cost through slog.Logger
	slogxBar                 // the same, for slogx
	nativeBar                // a native API's whole call
	loggerBar                // slog.Logger with the no-op handler
)

var barColor = map[barKind]string{
	ownBar:    "#8c9bab",
	slogxBar:  "#1f6feb",
	nativeBar: "#d4a72c",
	loggerBar: "#c9d1d9",
}

// writeSVG draws bars as a horizontal bar chart in plain SVG, longest
// value scaled to the full width, each bar labelled with its value, and the
// footer below, wrapped to the chart's width.
func writeSVG(w io.Writer, title, footer string, bars []bar) error {
	const (
		width     = 760
		labelW    = 250 // right edge of the labels
		barX      = labelW + 10
		barMaxW   = width - barX - 90 // room for the value after the bar
		top       = 56
		barH      = 22
		gap       = 10
		legendRow = 20
		footChars = 120 // of 11px text in the chart's width
	)
	maxNS := 0.0
	for _, b := range bars {
		if math.IsNaN(b.NS) || math.IsInf(b.NS, 0) {
			return fmt.Errorf("bar %q: value %v", b.Label, b.NS)
		}
		maxNS = max(maxNS, b.NS)
	}
	if maxNS <= 0 {
		maxNS = 1
	}
	legend := 0
	for _, k := range []barKind{slogxBar, ownBar, nativeBar, loggerBar} {
		if hasKind(bars, k) {
			legend++
		}
	}
	foot := wrap(footer, footChars)
	height := top + len(bars)*(barH+gap) + legend*legendRow + 24 + 16*len(foot)
	var sb strings.Builder
	p := func(format string, args ...any) { fmt.Fprintf(&sb, format, args...) }
	esc := html.EscapeString
	p(`<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="-apple-system,Segoe UI,Helvetica,Arial,sans-serif" font-size="13">`+"\n", width, height, width, height)
	p(`<rect width="100%%" height="100%%" fill="#ffffff"/>` + "\n")
	p(`<text x="%d" y="28" font-size="16" font-weight="600" fill="#1f2328">%s</text>`+"\n", 12, esc(title))
	for i, b := range bars {
		y := top + i*(barH+gap)
		wpx := 0.0
		if b.NS > 0 {
			wpx = math.Max(1, b.NS/maxNS*barMaxW)
		}
		p(`<text x="%d" y="%d" text-anchor="end" dominant-baseline="middle" fill="#1f2328">%s</text>`+"\n", labelW, y+barH/2, esc(b.Label))
		p(`<rect x="%d" y="%d" width="%.1f" height="%d" rx="3" fill="%s"/>`+"\n", barX, y, wpx, barH, barColor[b.Kind])
		p(`<text x="%.1f" y="%d" dominant-baseline="middle" fill="#1f2328">%s</text>`+"\n", float64(barX)+wpx+6, y+barH/2, esc(fmtNS(b.NS)))
	}
	ly := top + len(bars)*(barH+gap) + 4
	for _, l := range []struct {
		k    barKind
		text string
	}{
		{slogxBar, "slogx, own cost"},
		{ownBar, "handler's own cost (through slog.Logger, less the no-op)"},
		{nativeBar, "native API, whole call"},
		{loggerBar, "slog.Logger itself"},
	} {
		if !hasKind(bars, l.k) {
			continue
		}
		p(`<rect x="%d" y="%d" width="12" height="12" rx="2" fill="%s"/>`+"\n", barX, ly, barColor[l.k])
		p(`<text x="%d" y="%d" font-size="12" fill="#57606a">%s</text>`+"\n", barX+17, ly+10, esc(l.text))
		ly += legendRow
	}
	for i, l := range foot {
		p(`<text x="12" y="%d" font-size="11" fill="#57606a">%s</text>`+"\n", height-14-16*(len(foot)-1-i), esc(l))
	}
	p("</svg>\n")
	_, err := io.WriteString(w, sb.String())
	return err
}

func hasKind(bars []bar, k barKind) bool {
	for _, b := range bars {
		if b.Kind == k {
			return true
		}
	}
	return false
}

// fmtNS prints nanoseconds as benchstat does: three significant digits and
// a unit.
func fmtNS(ns float64) string {
	switch a := math.Abs(ns); {
	case a >= 1e9:
		return sig3(ns/1e9) + " s"
	case a >= 1e6:
		return sig3(ns/1e6) + " ms"
	case a >= 1e3:
		return sig3(ns/1e3) + " µs"
	default:
		return sig3(ns) + " ns"
	}
}

func sig3(v float64) string {
	switch a := math.Abs(v); {
	case a >= 100:
		return fmt.Sprintf("%.0f", v)
	case a >= 10:
		return fmt.Sprintf("%.1f", v)
	default:
		return fmt.Sprintf("%.2f", v)
	}
}

// wrap breaks s into lines of at most n characters at spaces; a word
// longer than n stands alone on its line.
func wrap(s string, n int) []string {
	var lines []string
	line := ""
	for _, w := range strings.Fields(s) {
		switch {
		case line == "":
			line = w
		case len([]rune(line))+1+len([]rune(w)) <= n:
			line += " " + w
		default:
			lines = append(lines, line)
			line = w
		}
	}
	if line != "" {
		lines = append(lines, line)
	}
	return lines
}
