package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestOutsideModule proves that an executor can be written outside
// bilancio's module from the SDK alone: it copies this template into a
// module of its own (its go.mod requires bilancio, replaced by this
// checkout), and builds, vets and tests the copy there — the conformance
// suite in process, over gRPC and as a plugin process. The copy may import
// nothing of bilancio's but sdk and its subpackages (anything under
// internal/ would not even compile).
func TestOutsideModule(t *testing.T) {
	if testing.Short() {
		t.Skip("builds bilancio and a module of its own")
	}
	repo, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	tmp := t.TempDir()
	bin := filepath.Join(tmp, "bilancio")
	run(t, repo, nil, "go", "build", "-o", tmp+string(filepath.Separator), ".", "./cmd/bilancio-sweep") // bilancio and the bilancio-sweep it hands `worker` to

	mod := filepath.Join(tmp, "bilancio-executor-example")
	if err := os.Mkdir(mod, 0o755); err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir(".")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if e.IsDir() || e.Name() == "outside_test.go" {
			continue
		}
		data, err := os.ReadFile(e.Name())
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(mod, e.Name()), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// The copy requires bilancio (replaced by this checkout) and, so that
	// nothing needs the network, the versions bilancio itself requires,
	// which the module cache holds (the SDK's are a subset).
	ours, err := os.ReadFile(filepath.Join(repo, "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	_, requires, ok := strings.Cut(string(ours), "\nrequire")
	if !ok {
		t.Fatal("go.mod has no require block")
	}
	gomod := "module example.com/bilancio-executor-example\n\ngo 1.26\n\n" +
		"require github.com/bilancio-go/bilancio v0.0.0\n\n" +
		"replace github.com/bilancio-go/bilancio => " + repo + "\n\nrequire" + requires
	if err := os.WriteFile(filepath.Join(mod, "go.mod"), []byte(gomod), 0o644); err != nil {
		t.Fatal(err)
	}
	sum, err := os.ReadFile(filepath.Join(repo, "go.sum"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(mod, "go.sum"), sum, 0o644); err != nil {
		t.Fatal(err)
	}
	env := []string{"GOFLAGS=-mod=mod", "GOPROXY=off", "GOWORK=off", "BILANCIO_BIN=" + bin}
	deps := run(t, mod, env, "go", "list", "-deps", "-f", "{{if not .Standard}}{{.ImportPath}}{{end}}", ".")
	for _, d := range strings.Fields(deps) {
		if strings.HasPrefix(d, "github.com/bilancio-go/bilancio/") && !strings.HasPrefix(d, "github.com/bilancio-go/bilancio/sdk") {
			t.Errorf("the plugin depends on %s: only the sdk is public", d)
		}
	}
	run(t, mod, env, "go", "vet", "./...")
	out := run(t, mod, env, "go", "test", "-count=1", "-v", "-run", "TestConformance", ".")
	t.Log(out)
	if !strings.Contains(out, "--- PASS: TestConformance/process") {
		t.Errorf("the copy's conformance suite did not run as a plugin process:\n%s", out)
	}
}

// run runs a command in dir with env added, failing the test on error; it
// returns the combined output.
func run(t *testing.T, dir string, env []string, name string, args ...string) string {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s (in %s): %v\n%s", name, strings.Join(args, " "), dir, err, out)
	}
	return string(out)
}
