package sink

import (
	"strings"
	"testing"
	"time"
)

// TestDependentDefaults: a default that another field bounds follows the
// value the user set, so that setting one field alone never makes New fail
// over a default the user did not choose.
func TestDependentDefaults(t *testing.T) {
	ep := []string{"http://127.0.0.1:1"}
	for _, tt := range []struct {
		name  string
		cfg   Config
		check func(Config) bool
	}{
		{"QueueSize 500", Config{QueueSize: 500}, func(c Config) bool { return c.BatchSize == 500 && c.QueueSize == 500 }},
		{"QueueSize 5000", Config{QueueSize: 5000}, func(c Config) bool { return c.BatchSize == DefaultBatchSize }},
		{"QueueBytes 512 KiB", Config{QueueBytes: 512 << 10}, func(c Config) bool { return c.MaxBatchBytes == 512<<10 }},
		{"Retry.MaxBackoff 50ms", Config{Retry: Retry{MaxBackoff: 50 * time.Millisecond}}, func(c Config) bool {
			return c.Retry.MinBackoff == 50*time.Millisecond && c.Retry.MaxRetryAfter == DefaultMaxRetryAfter
		}},
		{"Retry.MinBackoff 20s", Config{Retry: Retry{MinBackoff: 20 * time.Second}}, func(c Config) bool { return c.Retry.MaxBackoff == 20*time.Second }},
		{"Retry.MaxBackoff 2m", Config{Retry: Retry{MaxBackoff: 2 * time.Minute}}, func(c Config) bool { return c.Retry.MaxRetryAfter == 2*time.Minute }},
		{"BatchSize 200000", Config{BatchSize: 200_000}, func(c Config) bool { return c.QueueSize == 200_000 }},
		{"BatchSize above MaxQueueSize", Config{BatchSize: MaxQueueSize + 1}, nil},
		{"MaxBatchBytes 100 MiB", Config{MaxBatchBytes: 100 << 20}, func(c Config) bool { return c.QueueBytes == 100<<20 }},
		{"Overflow Block", Config{Overflow: Block}, func(c Config) bool { return c.BlockTimeout == DefaultBlockTimeout }},
		{"Overflow Backpressure", Config{}, func(c Config) bool { return c.BlockTimeout == DefaultBackpressureWait }},
	} {
		cfg := tt.cfg
		cfg.Endpoints = ep
		s, err := New(cfg)
		if tt.check == nil {
			// Only values the user set can contradict each other.
			if err == nil {
				s.Close()
				t.Errorf("%s: New succeeded", tt.name)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: New: %v", tt.name, err)
			continue
		}
		if !tt.check(s.cfg) {
			t.Errorf("%s: derived %+v", tt.name, s.cfg)
		}
		s.Close()
	}
}

// A negative duration is shown as a duration, the unit the user wrote it in,
// not as a count of nanoseconds.
func TestNegativeDurationsPrintAsDurations(t *testing.T) {
	cfg := Config{Endpoints: []string{"http://127.0.0.1:9428"}, FlushInterval: -time.Second, Retry: Retry{Budget: -90 * time.Second}}
	err := cfg.Validate()
	if err == nil {
		t.Fatal("negative durations were accepted")
	}
	for _, want := range []string{"FlushInterval is -1s", "Retry.Budget is -1m30s"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
	if strings.Contains(err.Error(), "-1000000000") {
		t.Errorf("error %q shows nanoseconds", err)
	}
}
