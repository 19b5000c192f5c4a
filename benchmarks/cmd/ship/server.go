package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// server is a VictoriaLogs process on 127.0.0.1 with its own data directory.
type server struct {
	URL  string
	cmd  *exec.Cmd
	done chan error
	dir  string
	log  *os.File
	// http is the client of the health checks and queries; stop closes
	// its connections, so nothing of the run outlives it.
	http *http.Client
}

// startServer starts bin on a free loopback port and waits for /health.
func startServer(bin string) (*server, error) {
	dir, err := os.MkdirTemp("", "slogx-ship-")
	if err != nil {
		return nil, err
	}
	port, err := freePort()
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	logf, err := os.Create(filepath.Join(dir, "victoria-logs.log"))
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	addr := "127.0.0.1:" + strconv.Itoa(port)
	cmd := exec.Command(bin,
		"-httpListenAddr="+addr,
		"-storageDataPath="+filepath.Join(dir, "data"),
		"-loggerLevel=WARN",
		"-http.maxGracefulShutdownDuration=2s",
	)
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		logf.Close()
		os.RemoveAll(dir)
		return nil, err
	}
	s := &server{URL: "http://" + addr, cmd: cmd, done: make(chan error, 1), dir: dir, log: logf,
		http: &http.Client{Transport: &http.Transport{}}}
	go func() { s.done <- cmd.Wait() }()
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := s.http.Get(s.URL + "/health")
		if err == nil {
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return s, nil
			}
		}
		select {
		case err := <-s.done:
			s.done <- err
			s.stop()
			return nil, fmt.Errorf("VictoriaLogs exited while starting: %v", err)
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			s.stop()
			return nil, errors.New("VictoriaLogs did not answer /health within 30 s")
		}
	}
}

// stop ends the process by its PID (SIGTERM, then SIGKILL after 10 s) and
// removes its data.
func (s *server) stop() {
	s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.done:
	case <-time.After(10 * time.Second):
		s.cmd.Process.Kill()
		<-s.done
	}
	s.http.CloseIdleConnections()
	s.log.Close()
	os.RemoveAll(s.dir)
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// count makes everything the server has received searchable
// (/internal/force_flush) and counts the rows whose run field is run.
func (s *server) count(ctx context.Context, run string) (int, error) {
	if err := s.post(ctx, "/internal/force_flush", nil, nil); err != nil {
		return 0, err
	}
	var row map[string]string
	q := url.Values{"query": {fmt.Sprintf("run:=%q | count() n", run)}}
	if err := s.post(ctx, "/select/logsql/query", q, &row); err != nil {
		return 0, err
	}
	if row == nil {
		return 0, nil
	}
	return strconv.Atoi(row["n"])
}

// waitStored polls count until it has seen the same number three times in
// a row, 200 ms apart, or want; rows already acknowledged are searchable
// after a force flush, so a stable count is the final one.
func (s *server) waitStored(run string, want int) (int, error) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	last, same := -1, 0
	for {
		n, err := s.count(ctx, run)
		if err != nil {
			return last, err
		}
		if n == want {
			return n, nil
		}
		if n == last {
			same++
			if same == 3 {
				return n, nil
			}
		} else {
			last, same = n, 0
		}
		select {
		case <-ctx.Done():
			return n, ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
}

func (s *server) post(ctx context.Context, path string, form url.Values, into any) error {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.URL+path, strings.NewReader(form.Encode()))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := s.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s: status %d: %s", path, resp.StatusCode, body)
	}
	if into != nil && len(strings.TrimSpace(string(body))) > 0 {
		return json.Unmarshal(body, into)
	}
	return nil
}
