package vltest

import (
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

const (
	// startTimeout bounds how long Start and Restart wait for /health. A
	// node is normally healthy in well under a second; the margin is for
	// loaded CI machines and for reopening a large data directory.
	startTimeout = 30 * time.Second

	// stopTimeout is how long Stop waits after SIGTERM before SIGKILL. The
	// server's own HTTP shutdown is capped below it (see baseFlags) so the
	// remainder is left for flushing in-memory data to disk.
	stopTimeout = 5 * time.Second

	// logTailBytes is how much of a server's log a failing test prints.
	logTailBytes = 16 << 10
)

// baseFlags are passed to every node.
//
//   - -loggerLevel=WARN: the log goes to a file that is only shown when a test
//     fails; WARN keeps the startup chatter out but keeps the lines that
//     explain lost data (e.g. "skipping log entry with too small
//     timestamp").
//   - -http.maxGracefulShutdownDuration=2s: a stuck client connection must not
//     eat the whole stopTimeout, or Stop would have to SIGKILL and lose data.
var baseFlags = []string{
	"-loggerLevel=WARN",
	"-http.maxGracefulShutdownDuration=2s",
}

// storageFlags are passed to nodes that store data (single nodes and cluster
// storage nodes).
//
//   - -retentionPeriod=100y and -futureRetention=100y: tests use fixed
//     timestamps far in the past or future to check exact round-trips; the
//     defaults (7d back, 2d ahead) would silently drop those rows.
//   - -inmemoryDataFlushInterval=1s (the minimum): crash tests (Kill, then
//     Restart) only have to wait a second for acknowledged rows to be on
//     disk instead of the default five.
var storageFlags = []string{
	"-retentionPeriod=100y",
	"-futureRetention=100y",
	"-inmemoryDataFlushInterval=1s",
}

// Option configures Start.
type Option func(*config)

type config struct {
	dataPath     string
	storageNodes []string
	flags        []string
}

// WithDataPath stores data in dir instead of a fresh temporary directory,
// e.g. to start a second server on the data another one left behind. The
// caller owns dir.
func WithDataPath(dir string) Option {
	return func(c *config) { c.dataPath = dir }
}

// WithStorageNodes turns the node into a cluster front node: it stores
// nothing itself and spreads /insert requests over, and merges /select
// queries from, the given storage node addresses (host:port). StartCluster
// uses it; it is exported for tests that need an unusual topology.
func WithStorageNodes(addrs ...string) Option {
	return func(c *config) { c.storageNodes = append(c.storageNodes, addrs...) }
}

// WithFlags appends raw command-line flags; later flags override earlier
// ones, so this can also change the harness defaults.
func WithFlags(flags ...string) Option {
	return func(c *config) { c.flags = append(c.flags, flags...) }
}

// Server is one VictoriaLogs process. Its address and data directory stay
// the same across Restart, so clients and cluster peers configured with them
// keep working.
type Server struct {
	tb       testing.TB
	bin      string
	dir      string
	dataPath string
	logPath  string
	cfg      config

	mu   sync.Mutex
	port int
	proc *process
}

type process struct {
	cmd  *exec.Cmd
	done chan struct{} // closed when the process has exited and been reaped
	err  error         // result of cmd.Wait, valid after done
}

// Start starts a VictoriaLogs node on a free 127.0.0.1 port and waits until
// it answers GET /health. The node is stopped when the test ends; if the
// test failed, the tail of its log is printed.
//
// By default the node is a single node storing data under tb.TempDir().
func Start(tb testing.TB, opts ...Option) *Server {
	tb.Helper()
	var cfg config
	for _, o := range opts {
		o(&cfg)
	}
	s := &Server{tb: tb, bin: Binary(tb), dir: tb.TempDir(), cfg: cfg}
	s.logPath = filepath.Join(s.dir, "victoria-logs.log")
	if len(cfg.storageNodes) == 0 {
		s.dataPath = cfg.dataPath
		if s.dataPath == "" {
			s.dataPath = filepath.Join(s.dir, "data")
		}
	}
	// Registered before the process exists so that a Fatal half-way
	// through starting still reaps it. TempDir's own cleanup was
	// registered earlier and so runs after this one, once nothing writes
	// to the directory any more.
	tb.Cleanup(func() {
		unregisterFlushTargets(s)
		s.stop()
		if tb.Failed() {
			tb.Logf("vltest: log of VictoriaLogs at %s (%s):\n%s", s.Addr(), s.logPath, s.logTail())
		}
		closeIdleConnections()
	})
	s.start(tb, false)
	if len(cfg.storageNodes) == 0 {
		registerFlushTargets(s, []string{s.URL()})
	} else {
		urls := make([]string, len(cfg.storageNodes))
		for i, a := range cfg.storageNodes {
			urls[i] = "http://" + a
		}
		registerFlushTargets(s, urls)
	}
	return s
}

// Addr returns the node's host:port, the form -storageNode expects.
func (s *Server) Addr() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return net.JoinHostPort("127.0.0.1", strconv.Itoa(s.port))
}

// URL returns the node's base URL, e.g. http://127.0.0.1:40123.
func (s *Server) URL() string { return "http://" + s.Addr() }

// DataPath returns the node's -storageDataPath, or "" for a front node,
// which stores nothing.
func (s *Server) DataPath() string { return s.dataPath }

// LogPath returns the file that collects the node's stdout and stderr over
// all its restarts.
func (s *Server) LogPath() string { return s.logPath }

// Stop shuts the node down gracefully (SIGTERM, SIGKILL after a few
// seconds) and waits for the process to exit. Stopping a stopped node does
// nothing.
func (s *Server) Stop() {
	s.tb.Helper()
	s.stop()
}

// Kill ends the node with SIGKILL, as a crash or an OOM kill would: data not
// yet flushed to disk is lost. Use Restart to bring it back.
func (s *Server) Kill() {
	s.tb.Helper()
	p := s.take()
	if p == nil {
		return
	}
	s.reportCrash(p)
	p.cmd.Process.Kill()
	<-p.done
}

// Restart stops the node if it is running and starts it again on the same
// address and data directory. It waits for the port to be free, since a
// process that just died may still hold it for a moment.
func (s *Server) Restart(tb testing.TB) {
	tb.Helper()
	s.stop()
	s.start(tb, true)
}

// take detaches the running process, if any, from s.
func (s *Server) take() *process {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.proc
	s.proc = nil
	return p
}

func (s *Server) stop() {
	p := s.take()
	if p == nil {
		return
	}
	s.reportCrash(p)
	p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(stopTimeout):
		p.cmd.Process.Kill()
		<-p.done
		s.tb.Logf("vltest: VictoriaLogs at %s ignored SIGTERM for %v and was killed", s.Addr(), stopTimeout)
	}
}

// reportCrash fails the test if p exited before the harness asked it to: a
// server that panics or exits mid-test would otherwise show up only as
// confusing connection errors.
func (s *Server) reportCrash(p *process) {
	select {
	case <-p.done:
		s.tb.Errorf("vltest: VictoriaLogs at %s exited unexpectedly: %v\n%s", s.Addr(), p.err, s.logTail())
	default:
	}
}

func (s *Server) args() []string {
	args := []string{"-httpListenAddr=" + s.Addr()}
	args = append(args, baseFlags...)
	if len(s.cfg.storageNodes) > 0 {
		args = append(args, "-storageNode="+strings.Join(s.cfg.storageNodes, ","))
	} else {
		args = append(args, "-storageDataPath="+s.dataPath)
		args = append(args, storageFlags...)
	}
	return append(args, s.cfg.flags...)
}

// start launches the process and waits for it to become healthy. With
// samePort it keeps s.port (Restart); otherwise it picks a free port and,
// should another process grab that port before VictoriaLogs binds it, tries
// a new one.
func (s *Server) start(tb testing.TB, samePort bool) {
	tb.Helper()
	deadline := time.Now().Add(startTimeout)
	for {
		if samePort {
			if err := waitPortFree(s.Addr(), deadline); err != nil {
				tb.Fatalf("vltest: %v", err)
			}
		} else {
			port, err := freePort()
			if err != nil {
				tb.Fatalf("vltest: %v", err)
			}
			s.mu.Lock()
			s.port = port
			s.mu.Unlock()
		}

		logStart, p, err := s.spawn()
		if err != nil {
			tb.Fatalf("vltest: cannot start %s: %v", s.bin, err)
		}
		err = s.waitHealthy(p, deadline)
		if err == nil {
			return
		}
		log := s.logSince(logStart)
		if errors.Is(err, errExited) && strings.Contains(log, "address already in use") && time.Now().Before(deadline) {
			continue
		}
		if p := s.take(); p != nil {
			p.cmd.Process.Kill()
			<-p.done
		}
		tb.Fatalf("vltest: VictoriaLogs at %s did not start: %v\nargs: %q\nlog:\n%s", s.Addr(), err, s.args(), log)
	}
}

// spawn starts the process with its output appended to the log file and
// returns the log size before the start, so the caller can show only this
// run's output.
func (s *Server) spawn() (int64, *process, error) {
	f, err := os.OpenFile(s.logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return 0, nil, err
	}
	defer f.Close()
	off, err := f.Seek(0, io.SeekEnd)
	if err != nil {
		return 0, nil, err
	}
	args := s.args()
	fmt.Fprintf(f, "=== vltest %s: %s %s\n", time.Now().Format(time.RFC3339Nano), s.bin, strings.Join(args, " "))

	cmd := exec.Command(s.bin, args...)
	// A front node has no -storageDataPath; running it in its own
	// directory keeps any relative path it might create out of the
	// package under test.
	cmd.Dir = s.dir
	// An *os.File is handed to the child as is: no copying goroutines
	// that could outlive the test.
	cmd.Stdout = f
	cmd.Stderr = f
	setProcAttr(cmd)
	if err := cmd.Start(); err != nil {
		return 0, nil, err
	}
	p := &process{cmd: cmd, done: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		close(p.done)
	}()
	s.mu.Lock()
	s.proc = p
	s.mu.Unlock()
	return off, p, nil
}

var errExited = errors.New("process exited")

func (s *Server) waitHealthy(p *process, deadline time.Time) error {
	url := s.URL() + "/health"
	var last error
	for {
		select {
		case <-p.done:
			return fmt.Errorf("%w: %v", errExited, p.err)
		default:
		}
		status, _, err := get(url, time.Second)
		if err == nil && status == http.StatusOK {
			return nil
		}
		if err == nil {
			err = fmt.Errorf("GET /health: status %d", status)
		}
		last = err
		if time.Now().After(deadline) {
			return fmt.Errorf("not healthy after %v: %v", startTimeout, last)
		}
		select {
		case <-p.done:
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// freePort asks the kernel for an unused port. Another process may take it
// before VictoriaLogs binds it; start retries in that case.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func waitPortFree(addr string, deadline time.Time) error {
	for {
		l, err := net.Listen("tcp", addr)
		if err == nil {
			return l.Close()
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("port %s still busy: %v", addr, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (s *Server) logSince(off int64) string {
	b, err := os.ReadFile(s.logPath)
	if err != nil {
		return fmt.Sprintf("(cannot read %s: %v)", s.logPath, err)
	}
	if off > int64(len(b)) {
		off = 0
	}
	return tail(string(b[off:]))
}

func (s *Server) logTail() string { return s.logSince(0) }

func tail(s string) string {
	if len(s) <= logTailBytes {
		return s
	}
	return "...\n" + s[len(s)-logTailBytes:]
}

// CPUTime returns the CPU time (user and system) the running node has used
// so far, read from /proc on Linux; 0 where that is not available or the
// node is not running. Throughput measurements use it to show where a
// run's CPU went.
func (s *Server) CPUTime() time.Duration {
	s.mu.Lock()
	p := s.proc
	s.mu.Unlock()
	if p == nil || p.cmd.Process == nil {
		return 0
	}
	return processCPUTime(p.cmd.Process.Pid)
}
