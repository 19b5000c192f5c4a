package slogx_test

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"go.slogx.dev/slogx"
)

// BenchmarkHTTP measures what the middleware adds to a request served from
// a ServeMux, beside the bare mux, with the access record written by
// JSONHandler to io.Discard and with the logger disabled at its level:
//
//	go test -run '^$' -bench HTTP -count 10 ./slogx | benchstat -col /stage -
func BenchmarkHTTP(b *testing.B) {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /orders/{id}", func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, `{"status":"shipped"}`)
	})
	req := httptest.NewRequest(http.MethodGet, "/orders/ord_7f3a9c01", nil)
	req.Header.Set("User-Agent", "checkout-web/3.2.0")
	req.Header.Set("X-Request-ID", "7f3a9c01-5b2e-4c8d-9a61-0e4f2b7d8c13")
	stages := []struct {
		name string
		h    http.Handler
	}{
		{"mux", mux},
		{"http", slogx.HTTP(mux, &slogx.HTTPOptions{Logger: slog.New(slogx.NewJSONHandler(io.Discard, nil))})},
		{"http-disabled", slogx.HTTP(mux, &slogx.HTTPOptions{Logger: slog.New(slogx.NewJSONHandler(io.Discard, &slog.HandlerOptions{Level: slog.LevelError}))})},
	}
	for _, s := range stages {
		b.Run("stage="+s.name, func(b *testing.B) {
			w := httptest.NewRecorder()
			b.ReportAllocs()
			for b.Loop() {
				w.Body.Reset()
				s.h.ServeHTTP(w, req)
			}
		})
	}
}
