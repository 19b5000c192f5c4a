package victoria_test

import (
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"time"

	"go.slogx.dev/slogx/victoria"
)

// With a spool, what cannot be delivered is kept on disk, and the next run
// with the same Dir delivers it. Here the first run finds no server (port
// 1); the second finds one that stores everything.
func ExampleOptions_spool() {
	dir, err := os.MkdirTemp("", "slogx-spool")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(dir)

	first, err := victoria.New(victoria.Options{
		URL:   "http://127.0.0.1:1",
		Spool: &victoria.Spool{Dir: dir, MaxBytes: 64 << 20},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	logger := slog.New(first)
	for i := range 3 {
		logger.Info("order placed", "order", 40+i)
	}
	first.Close() // reports the 3 records kept in the spool
	fmt.Println("kept in the spool:", first.Stats().Spool.Records)

	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.WriteHeader(http.StatusNoContent)
	}))
	defer srv.Close()
	second, err := victoria.New(victoria.Options{
		URL:         srv.URL,
		Spool:       &victoria.Spool{Dir: dir, MaxBytes: 64 << 20},
		Compression: victoria.NoCompression,
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	for deadline := time.Now().Add(10 * time.Second); second.Stats().Delivered < 3 && time.Now().Before(deadline); {
		time.Sleep(10 * time.Millisecond)
	}
	second.Close()
	st := second.Stats()
	fmt.Println("delivered by the next run:", st.Delivered, "of", st.Spool.Recovered, "recovered")
	// Output:
	// kept in the spool: 3
	// delivered by the next run: 3 of 3 recovered
}
