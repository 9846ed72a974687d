package pluginhost

import (
	"bytes"
	"fmt"
	"github.com/bilancio-go/bilancio/sdk/runfolder"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// Plugin binaries built once by TestMain.
var (
	// testPluginBin is testdata/testplugin: it plays the plugin its file
	// name says (see its doc comment).
	testPluginBin string
	// localPluginBin is the real local executor (plugins/local), unless
	// localPluginErr says why it could not be built.
	localPluginBin, localPluginErr string
)

func TestMain(m *testing.M) {
	os.Exit(runTests(m))
}

func runTests(m *testing.M) int {
	dir, err := os.MkdirTemp("", "pluginhost-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	testPluginBin = filepath.Join(dir, "testplugin")
	if out, err := goBuild(testPluginBin, "./testdata/testplugin"); err != nil {
		fmt.Fprintf(os.Stderr, "building testdata/testplugin: %v\n%s", err, out)
		return 1
	}
	// A broken local plugin fails only the tests that use it.
	localPluginBin = filepath.Join(dir, "bilancio-executor-local")
	if out, err := goBuild(localPluginBin, "../../plugins/local/cmd/bilancio-executor-local"); err != nil {
		localPluginErr = fmt.Sprintf("building plugins/local/cmd/bilancio-executor-local: %v\n%s", err, out)
	}
	return m.Run()
}

// place copies the binary src into dir as the plugin called name and, when
// withSum, writes its checksum beside it. It returns the candidate.
func place(t *testing.T, dir, name, src string, withSum bool) Candidate {
	t.Helper()
	dst := filepath.Join(dir, BinaryName(name))
	copyFile(t, src, dst, 0o755)
	c := Candidate{Name: name, Path: dst, SumPath: filepath.Join(dir, SumName(name)), Dir: dir}
	if withSum {
		sum, err := runfolder.FileSHA256(dst)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(c.SumPath, []byte(sum+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return c
}

func copyFile(t *testing.T, src, dst string, perm os.FileMode) {
	t.Helper()
	in, err := os.Open(src)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, perm)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(out, in); err != nil {
		t.Fatal(err)
	}
	if err := out.Close(); err != nil {
		t.Fatal(err)
	}
}

// goBuild builds the main package pkg into out.
func goBuild(out, pkg string) (string, error) {
	cmd := exec.Command("go", "build", "-o", out, pkg)
	var buf bytes.Buffer
	cmd.Stdout, cmd.Stderr = &buf, &buf
	err := cmd.Run()
	return buf.String(), err
}

// needLocalPlugin fails the test when the local plugin could not be built.
func needLocalPlugin(t *testing.T) {
	t.Helper()
	if localPluginErr != "" {
		t.Fatal(localPluginErr)
	}
}
