// Package readme holds the test that keeps the README's Go snippets
// working as written.
package readme

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// thirdParty are the modules the README's snippets may import besides
// slogx, each with the checksums that go.sum pins, so that the test never
// trusts what it downloads.
var thirdParty = []struct{ path, version, sums string }{
	{"gopkg.in/natefinch/lumberjack.v2", "v2.2.1", `gopkg.in/natefinch/lumberjack.v2 v2.2.1 h1:bBRl1b0OH9s/DuPhuXpNl+VtCaJXFZ5/uEFST95x9zc=
gopkg.in/natefinch/lumberjack.v2 v2.2.1/go.mod h1:YD8tP3GAjkrDg1eZH7EGmyESg/lsYskCTPBJVb9jqSc=
`},
}

var goBlock = regexp.MustCompile("(?ms)^```go\n(.*?)^```")

// TestReadmeSnippets builds and vets every ```go block of README.md as a
// program of a module of its own that requires slogx (replaced by this
// checkout), as a user would paste it.
func TestReadmeSnippets(t *testing.T) {
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	readme, err := os.ReadFile(filepath.Join(root, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	blocks := goBlock.FindAllSubmatch(readme, -1)
	if len(blocks) < 2 {
		t.Fatalf("README.md has %d Go snippets; the quick start and the rotating-file one are expected", len(blocks))
	}

	dir := t.TempDir()
	gomod := "module example.com/readme\n\ngo 1.26\n\nrequire go.slogx.dev v0.0.0\n\nreplace go.slogx.dev => " + root + "\n"
	gosum, err := os.ReadFile(filepath.Join(root, "go.sum"))
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range thirdParty {
		gomod += fmt.Sprintf("\nrequire %s %s\n", m.path, m.version)
		gosum = append(gosum, m.sums...)
	}
	write(t, filepath.Join(dir, "go.mod"), []byte(gomod))
	write(t, filepath.Join(dir, "go.sum"), gosum)
	for i, b := range blocks {
		src := b[1]
		if !strings.HasPrefix(string(src), "package main\n") {
			t.Errorf("snippet %d is not a whole program (package main): a newcomer cannot paste it:\n%s", i+1, src)
			continue
		}
		write(t, filepath.Join(dir, fmt.Sprintf("snippet%d", i+1), "main.go"), src)
	}

	// tidy adds what slogx itself requires; the checksums it needs are all
	// in go.sum, so nothing is taken on trust.
	goCmd(t, dir, "mod", "tidy")
	goCmd(t, dir, "vet", "./...")
	goCmd(t, dir, "build", "-o", os.DevNull, "./...")
}

func write(t *testing.T, path string, data []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

func goCmd(t *testing.T, dir string, args ...string) {
	t.Helper()
	cmd := exec.Command("go", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOWORK=off", "GOFLAGS=")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go %s in the README's module: %v\n%s", strings.Join(args, " "), err, out)
	}
}
