package breach_test

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"

	"go.slogx.dev/slogx"
	"go.slogx.dev/slogx/breach"
)

func ExampleNewScope() {
	target := slogx.NewJSONHandler(os.Stdout, &slog.HandlerOptions{Level: slog.LevelDebug, ReplaceAttr: removeTime})
	h, err := breach.New(target, nil)
	if err != nil {
		panic(err)
	}
	logger := slog.New(h)

	// Two requests in flight at once, each in its own scope.
	ctxA, endA := breach.NewScope(slogx.NewContext(context.Background(), slog.String("request", "A")))
	ctxB, endB := breach.NewScope(slogx.NewContext(context.Background(), slog.String("request", "B")))

	logger.DebugContext(ctxA, "parsed body")
	logger.DebugContext(ctxB, "parsed body")
	logger.DebugContext(ctxA, "loaded user")
	logger.WarnContext(ctxB, "payment declined") // writes B's lead-up only

	endB()
	endA() // A went well: its records are discarded
	fmt.Println("discarded:", h.Stats().Discarded)
	// Output:
	// {"level":"DEBUG","msg":"parsed body","request":"B"}
	// {"level":"WARN","msg":"payment declined","request":"B"}
	// discarded: 2
}

func ExampleHTTP() {
	target := slogx.NewJSONHandler(os.Stdout, &slog.HandlerOptions{Level: slog.LevelDebug, ReplaceAttr: removeTime})
	h, err := breach.New(target, nil)
	if err != nil {
		panic(err)
	}
	logger := slog.New(h)

	app := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context() // carries the request's scope
		logger.DebugContext(ctx, "handling", "path", r.URL.Path)
		if r.URL.Path == "/broken" {
			logger.ErrorContext(ctx, "handler failed", "path", r.URL.Path)
			w.WriteHeader(http.StatusInternalServerError)
		}
	})
	srv := breach.HTTP(app)
	for _, path := range []string{"/ok", "/broken", "/ok"} {
		srv.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, path, nil))
	}
	// Output:
	// {"level":"DEBUG","msg":"handling","path":"/broken"}
	// {"level":"ERROR","msg":"handler failed","path":"/broken"}
}
