package benchmarks

import (
	"context"
	"io"
	"log/slog"
	"testing"
)

// BenchmarkLogger logs each record through slog.Logger into each handler,
// writing to io.Discard. A handler's own cost is its time less nop's:
//
//	go test -run '^$' -bench Logger -count 6 . | benchstat -col /handler -
func BenchmarkLogger(b *testing.B) {
	ctx := context.Background()
	for i := range Records {
		r := &Records[i]
		for _, h := range Handlers {
			l := slog.New(h.New(io.Discard))
			b.Run("record="+r.Name+"/handler="+h.Name, func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					LogAttrs(ctx, l, r)
				}
			})
		}
	}
}

// BenchmarkNative logs each record through the API of each logger that has
// one, writing to io.Discard:
//
//	go test -run '^$' -bench Native -count 6 . | benchstat -col /logger -
func BenchmarkNative(b *testing.B) {
	for i := range Records {
		r := &Records[i]
		for _, n := range Natives {
			log := n.New(io.Discard)
			b.Run("record="+r.Name+"/logger="+n.Name, func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					log(r)
				}
			})
		}
	}
}
