package sink

import (
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

// TestCloseCutsAStuckTLSWrite: a TLS server that stops reading mid-body
// leaves the sender's write blocked for up to RequestTimeout. Close still
// returns within CloseTimeout (and a little): its cut closes the TCP
// connection under the write, rather than a TLS close that would first
// queue an alert behind it.
func TestCloseCutsAStuckTLSWrite(t *testing.T) {
	stuck, started := make(chan struct{}), make(chan struct{}, 10)
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		started <- struct{}{}
		<-stuck // never reads the body
	}))
	t.Cleanup(func() {
		close(stuck)
		srv.CloseClientConnections()
		srv.Close()
	})
	fb := &lockedBuffer{}
	cfg := testConfig(fb, srv.URL+"/ingest")
	cfg.TLSConfig = srv.Client().Transport.(*http.Transport).TLSClientConfig
	cfg.Compression = None
	cfg.MaxBatchBytes, cfg.QueueBytes = 64<<20, 128<<20
	cfg.RequestTimeout = time.Minute
	cfg.CloseTimeout = 300 * time.Millisecond
	s := mustNew(t, cfg)
	// 32 MiB of incompressible text, far more than socket buffers hold.
	for range 4 {
		b := make([]byte, 4<<20)
		rand.Read(b)
		line := append([]byte(`{"blob":"`), hex.EncodeToString(b)...)
		s.Enqueue(append(line, "\"}\n"...))
	}
	select {
	case <-started:
	case <-time.After(30 * time.Second):
		t.Fatal("no request arrived")
	}
	time.Sleep(100 * time.Millisecond) // the write fills the socket buffers
	start := time.Now()
	err := s.Close()
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("Close took %v with CloseTimeout %v", d, cfg.CloseTimeout)
	} else {
		t.Logf("Close took %v with CloseTimeout %v", d.Round(time.Millisecond), cfg.CloseTimeout)
	}
	if err == nil {
		t.Error("Close = nil; the records were not delivered")
	}
	st := s.Stats()
	checkInvariant(t, st)
	if st.Spilled != 4 {
		t.Errorf("stats = %+v", st)
	}
}
