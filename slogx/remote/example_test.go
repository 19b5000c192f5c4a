package remote_test

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"strings"

	"go.slogx.dev/slogx"
	"go.slogx.dev/slogx/remote"
)

// withoutTime drops the time so that the examples' output is stable.
func withoutTime(groups []string, a slog.Attr) slog.Attr {
	if len(groups) == 0 && a.Key == slog.TimeKey {
		return slog.Attr{}
	}
	return a
}

// With no Endpoint the handler is in development mode: nothing is sent,
// no API key is needed, and each record is printed at once, as a JSON line
// with the program's fields, to Fallback (os.Stderr by default).
func ExampleNew_development() {
	h, err := remote.New(remote.Options{
		Service:     "checkout",
		Environment: "dev",
		Version:     "1.4.2",
		Format:      remote.Datadog, // what production will send; dev prints JSON lines
		Fallback:    os.Stdout,
		ReplaceAttr: withoutTime,
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer h.Close()
	logger := slog.New(h)
	logger.Info("order placed", "order", 42, "amount_cents", 1999)
	logger.Debug("not shown: below the default level")
	logger.Warn("payment slow", slog.Group("psp", "name", "stripe", "ms", 950))
	logger.Info("kept on this host", slogx.LocalOnly())

	st := h.Stats()
	fmt.Printf("delivered %d, local %d\n", st.Delivered, st.Local)
	// Output:
	// {"level":"INFO","msg":"order placed","service":"checkout","environment":"dev","version":"1.4.2","order":42,"amount_cents":1999}
	// {"level":"WARN","msg":"payment slow","service":"checkout","environment":"dev","version":"1.4.2","psp":{"name":"stripe","ms":950}}
	// delivered 2, local 1
}

// BeforeSend sees every record before it is encoded: it can add to it,
// and it can keep it from being sent. A panic in it is recovered and
// counted.
func ExampleOptions_beforeSend() {
	h, err := remote.New(remote.Options{
		Fallback:    os.Stdout,
		ReplaceAttr: withoutTime,
		BeforeSend: func(ctx context.Context, r *slog.Record) bool {
			if strings.HasPrefix(r.Message, "GET /healthz") {
				return false // not worth paying for
			}
			if r.Level >= slog.LevelError {
				r.AddAttrs(slog.Bool("page", true))
			}
			return true
		},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer h.Close()
	logger := slog.New(h)
	logger.Info("GET /healthz 200")
	logger.Error("payment failed", "order", 42)

	st := h.Stats()
	fmt.Printf("delivered %d, filtered %d\n", st.Delivered, st.Filtered)
	// Output:
	// {"level":"ERROR","msg":"payment failed","order":42,"page":true}
	// delivered 1, filtered 1
}

// A bad option is an error from New, with every problem found, rather than
// a surprise at log time. The API key is never part of it.
func ExampleNew_badOptions() {
	_, err := remote.New(remote.Options{
		Endpoint:   "intake.example.com/v1/logs",
		APIKey:     "sk_live_4f9a2c81d3e7b6a05c2d9e8f\n",
		AuthHeader: "DD API KEY",
		Format:     remote.NDJSON,
		Labels:     []string{"service"},
	})
	fmt.Println(err)
	// Output:
	// remote: bad options: Endpoint "intake.example.com/v1/logs": scheme must be http or https
	// AuthHeader "DD API KEY" is not a valid header name
	// APIKey contains a line break or NUL
	// wire: Labels are for the Loki format, not NDJSON
}

// A Datadog handler: the key travels in DD-API-KEY, the program's fields in
// "service", "hostname" and "ddtags".
func ExampleOptions_datadog() {
	h, err := remote.New(remote.Options{
		Endpoint:    "https://http-intake.logs.datadoghq.eu/api/v2/logs",
		APIKey:      os.Getenv("DD_API_KEY"),
		AuthHeader:  "DD-API-KEY",
		Format:      remote.Datadog,
		Service:     "checkout",
		Environment: "prod",
		Version:     "1.4.2",
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return
	}
	defer h.Close()
	slog.New(h).Info("started")
}
