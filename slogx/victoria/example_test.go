package victoria_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"os"
	"time"

	"go.slogx.dev/slogx"
	"go.slogx.dev/slogx/victoria"
)

// No VictoriaLogs listens on port 1, so nothing can be delivered: Close
// gives up after CloseTimeout and writes the records to the fallback, and
// Stats accounts for every one of them.
func ExampleNew() {
	var fallback bytes.Buffer
	h, err := victoria.New(victoria.Options{
		URL:          "http://127.0.0.1:1",
		CloseTimeout: 100 * time.Millisecond,
		Fallback:     &fallback,
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	logger := slog.New(h)
	logger.Info("order placed", "order", 42)
	logger.Warn("payment slow", "ms", 950)
	logger.Info("kept on this host", slogx.LocalOnly())

	err = h.Close()
	st := h.Stats()
	fmt.Printf("accepted %d, delivered %d, spilled %d, local %d\n", st.Accepted, st.Delivered, st.Spilled, st.Local)
	fmt.Println("all accounted for:", st.Accepted == st.Delivered+st.Dropped.Total()+st.Spilled)
	fmt.Println("Close reports it:", err != nil)
	fmt.Println("fallback lines (a summary and the records):", bytes.Count(fallback.Bytes(), []byte("\n")))
	// Output:
	// accepted 2, delivered 0, spilled 2, local 1
	// all accounted for: true
	// Close reports it: true
	// fallback lines (a summary and the records): 3
}

// A bad option is an error from New, with every problem found, rather than
// a surprise at log time.
func ExampleNew_badOptions() {
	_, err := victoria.New(victoria.Options{
		URL:       "victorialogs:9428",
		BatchSize: -1,
	})
	fmt.Println(err)
	// Output:
	// victoria: bad options: URL "victorialogs:9428": scheme must be http or https
	// BatchSize is -1; it must not be negative
}

// Several insert nodes of a cluster share the batches; a node that fails
// is skipped until it recovers. Records go to a tenant, in streams keyed by
// service and host, and the ones VictoriaLogs could not take go to stderr.
func ExampleOptions_cluster() {
	h, err := victoria.New(victoria.Options{
		URLs:         []string{"http://vlinsert-1:9428", "http://vlinsert-2:9428"},
		AccountID:    12,
		ProjectID:    1,
		StreamFields: []string{"service", "host"},
		ExtraFields:  map[string]string{"env": "prod"},
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return
	}
	defer h.Close()
	host, _ := os.Hostname()
	logger := slog.New(h).With("service", "checkout", "host", host)
	logger.Info("started")
}

// Fanout sends each record both to stdout and to VictoriaLogs; Flush and
// Close on the fanout reach the handler.
func ExampleHandler_fanout() {
	h, err := victoria.New(victoria.Options{URL: "http://victorialogs:9428"})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return
	}
	fan := slogx.Fanout(slogx.NewJSONHandler(os.Stdout, nil), h)
	defer slogx.Close(fan)
	logger := slog.New(fan)
	logger.Info("both places")
	// Before a risky step, make sure everything so far has arrived.
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := slogx.Flush(ctx, fan); err != nil {
		fmt.Fprintln(os.Stderr, "logs not yet delivered:", err)
	}
}
