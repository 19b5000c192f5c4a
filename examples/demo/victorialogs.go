package main

import (
	"bufio"
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

// victoriaLogs is a VictoriaLogs server the demo starts on 127.0.0.1 with
// its own data directory, and stops.
type victoriaLogs struct {
	url  string
	dir  string
	cmd  *exec.Cmd
	done chan struct{}
	log  *os.File
}

// startVictoriaLogs runs bin with its data in a new directory under dir and
// waits until it answers /health.
func startVictoriaLogs(ctx context.Context, bin, dir string) (*victoriaLogs, error) {
	if bin == "" {
		return nil, errors.New("demo: no VictoriaLogs binary: pass -victorialogs (make demo builds one with scripts/victorialogs.sh) or use -sink=stdout")
	}
	logf, err := os.Create(filepath.Join(dir, "victorialogs.log"))
	if err != nil {
		return nil, fmt.Errorf("demo: %w", err)
	}
	var lastErr error
	for range 3 { // the free port may be taken before the server binds it
		port, err := freePort()
		if err != nil {
			logf.Close()
			return nil, fmt.Errorf("demo: %w", err)
		}
		addr := "127.0.0.1:" + strconv.Itoa(port)
		cmd := exec.Command(bin,
			"-httpListenAddr="+addr,
			"-storageDataPath="+filepath.Join(dir, "victoria-logs-data"),
			"-loggerLevel=WARN",
			"-retentionPeriod=7d",
			"-http.maxGracefulShutdownDuration=2s",
		)
		cmd.Stdout, cmd.Stderr = logf, logf
		setProcAttr(cmd)
		if err := cmd.Start(); err != nil {
			logf.Close()
			return nil, fmt.Errorf("demo: starting VictoriaLogs: %w", err)
		}
		v := &victoriaLogs{url: "http://" + addr, dir: dir, cmd: cmd, done: make(chan struct{}), log: logf}
		go func() { cmd.Wait(); close(v.done) }()
		if lastErr = v.waitHealthy(ctx, 30*time.Second); lastErr == nil {
			return v, nil
		}
		v.Stop()
	}
	logf.Close()
	return nil, fmt.Errorf("demo: VictoriaLogs did not start: %w (its log: %s)", lastErr, filepath.Join(dir, "victorialogs.log"))
}

func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

func (v *victoriaLogs) waitHealthy(ctx context.Context, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, v.url+"/health", nil)
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
			err = fmt.Errorf("/health answered %s", resp.Status)
		}
		select {
		case <-v.done:
			return errors.New("the process exited")
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("no answer from /health within %v: %w", timeout, err)
		}
	}
}

// Stop ends the server: SIGTERM, then SIGKILL if it has not exited within
// 5 s.
func (v *victoriaLogs) Stop() {
	v.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-v.done:
	case <-time.After(5 * time.Second):
		v.cmd.Process.Kill()
		<-v.done
	}
	http.DefaultClient.CloseIdleConnections()
	v.log.Close()
}

// flush makes rows inserted so far queryable at once instead of within a
// second or two.
func (v *victoriaLogs) flush(ctx context.Context) error {
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, v.url+"/internal/force_flush", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("demo: flushing VictoriaLogs: %w", err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return nil
}

// query runs a LogsQL query and returns its rows.
func (v *victoriaLogs) query(ctx context.Context, logsql string) ([]map[string]string, error) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	form := url.Values{"query": {logsql}}
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, v.url+"/select/logsql/query", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("demo: query %q: %w", logsql, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<10))
		return nil, fmt.Errorf("demo: query %q: %s: %s", logsql, resp.Status, b)
	}
	var rows []map[string]string
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(nil, 16<<20)
	for sc.Scan() {
		var row map[string]string
		if err := json.Unmarshal(sc.Bytes(), &row); err != nil {
			return nil, fmt.Errorf("demo: query %q: bad row: %w", logsql, err)
		}
		rows = append(rows, row)
	}
	return rows, sc.Err()
}

// waitRows polls until the query returns want rows twice in a row (rows
// become queryable a second or two after insert), or the timeout passes;
// it returns the rows of the last poll.
func (v *victoriaLogs) waitRows(ctx context.Context, logsql string, want int, timeout time.Duration) ([]map[string]string, error) {
	deadline := time.Now().Add(timeout)
	hits := 0
	for {
		if err := v.flush(ctx); err != nil {
			return nil, err
		}
		rows, err := v.query(ctx, logsql)
		if err != nil {
			return nil, err
		}
		if len(rows) == want {
			if hits++; hits == 2 {
				return rows, nil
			}
			continue
		}
		hits = 0
		if time.Now().After(deadline) {
			return rows, nil
		}
		select {
		case <-ctx.Done():
			return rows, ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}
