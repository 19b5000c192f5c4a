// Package vltest runs real VictoriaLogs processes for slogx's integration
// tests.
//
// The tests exercise slogx against the actual server rather than a fake,
// because the things that break in practice (content types that are
// silently ignored, time precision, field flattening, tenant routing,
// behaviour when a node dies) are properties of VictoriaLogs itself. The
// server is built from the Go module pinned in testdata/victorialogs, so the
// only thing a machine needs is Go: see scripts/victorialogs.sh.
//
// Every server listens on 127.0.0.1 only and is stopped by a tb.Cleanup, so a
// test never leaks processes, ports or goroutines. The helpers report
// problems with tb.Fatal and must therefore be called from the test
// goroutine.
//
// The package never skips: a test that asks for VictoriaLogs and cannot get
// it fails, so a broken build is noticed instead of silently reducing
// coverage.
package vltest

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// EnvBinary names the environment variable that points at a prebuilt
// victoria-logs binary. Setting it skips the build, e.g. to test against a
// different VictoriaLogs release.
const EnvBinary = "SLOGX_VICTORIALOGS"

var binary struct {
	once sync.Once
	path string
	err  error
}

// Binary returns the absolute path of the victoria-logs binary, building it
// with scripts/victorialogs.sh on first use.
//
// The result is computed once per test process. The script is run even when
// the binary exists because it is what notices that the tools module changed
// (a cached call takes milliseconds). Parallel test processes (go test runs
// one per package) serialise on a file lock so the ~30 s build happens once.
func Binary(tb testing.TB) string {
	tb.Helper()
	binary.once.Do(func() {
		binary.path, binary.err = resolveBinary()
	})
	if binary.err != nil {
		tb.Fatalf("vltest: no VictoriaLogs binary: %v", binary.err)
	}
	return binary.path
}

func resolveBinary() (string, error) {
	if p := os.Getenv(EnvBinary); p != "" {
		p, err := filepath.Abs(p)
		if err != nil {
			return "", err
		}
		if err := checkExecutable(p); err != nil {
			return "", fmt.Errorf("$%s: %w", EnvBinary, err)
		}
		return p, nil
	}

	root, err := moduleRoot()
	if err != nil {
		return "", err
	}
	script := filepath.Join(root, "scripts", "victorialogs.sh")
	if _, err := os.Stat(script); err != nil {
		return "", fmt.Errorf("module root %s has no build script (set $%s to use a prebuilt binary): %w", root, EnvBinary, err)
	}
	cacheDir := filepath.Join(root, ".cache")
	if err := os.MkdirAll(cacheDir, 0o755); err != nil {
		return "", err
	}
	unlock, err := lockFile(filepath.Join(cacheDir, "vltest-build.lock"))
	if err != nil {
		return "", err
	}
	defer unlock()

	var stdout, stderr bytes.Buffer
	cmd := exec.Command("bash", script)
	cmd.Dir = root
	cmd.Stdout = &stdout
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("%s failed: %v\n--- stdout ---\n%s\n--- stderr ---\n%s", script, err, stdout.String(), stderr.String())
	}
	lines := strings.Split(strings.TrimSpace(stdout.String()), "\n")
	p := strings.TrimSpace(lines[len(lines)-1])
	if err := checkExecutable(p); err != nil {
		return "", fmt.Errorf("%s printed %q: %w\n--- stderr ---\n%s", script, p, err, stderr.String())
	}
	return p, nil
}

func checkExecutable(p string) error {
	fi, err := os.Stat(p)
	if err != nil {
		return err
	}
	if !fi.Mode().IsRegular() || fi.Mode().Perm()&0o111 == 0 {
		return fmt.Errorf("%s is not an executable file", p)
	}
	return nil
}

// moduleRoot finds the slogx module root from the working directory, which
// go test sets to the directory of the package under test.
func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no go.mod found above the working directory")
		}
		dir = parent
	}
}
