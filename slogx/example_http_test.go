package slogx_test

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"

	"go.slogx.dev/slogx"
	"go.slogx.dev/slogx/breach"
)

// Drop the fields that change from run to run.
func stableAccess(groups []string, a slog.Attr) slog.Attr {
	switch a.Key {
	case slog.TimeKey, "duration", "remote_addr":
		return slog.Attr{}
	}
	return a
}

func ExampleHTTP() {
	// DEBUG lines wait in a per-request breach scope; a request that fails
	// (access record at ERROR) writes its own lead-up, the others nothing.
	target := slogx.NewJSONHandler(os.Stdout, &slog.HandlerOptions{Level: slog.LevelDebug, ReplaceAttr: stableAccess})
	logger := slog.New(slogx.Pipe(target, breach.Middleware(&breach.Options{FlushLevel: slog.LevelError})))

	mux := http.NewServeMux()
	mux.HandleFunc("GET /orders/{id}", func(w http.ResponseWriter, r *http.Request) {
		logger.DebugContext(r.Context(), "cache miss", "order_id", r.PathValue("id"))
		if r.PathValue("id") == "13" {
			http.Error(w, "inventory service unavailable", http.StatusServiceUnavailable)
		}
	})
	h := slogx.HTTP(mux, &slogx.HTTPOptions{
		Logger:       logger,
		Scope:        breach.NewScope,
		Skip:         []string{"/health"},
		NewRequestID: func() string { return "7f3a9c01" },
	})

	for _, path := range []string{"/orders/12", "/health", "/orders/13"} {
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, path, nil))
	}
	// Output:
	// {"level":"DEBUG","msg":"cache miss","request_id":"7f3a9c01","order_id":"13"}
	// {"level":"ERROR","msg":"http request","request_id":"7f3a9c01","method":"GET","route":"GET /orders/{id}","path":"/orders/13","status":503,"bytes":30,"user_agent":""}
}
