package local_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/bilancio-go/bilancio/internal/pluginhost"
	"github.com/bilancio-go/bilancio/sdk"
	"github.com/bilancio-go/bilancio/sdk/runfolder"
)

// pluginBin is bilancio-executor-local built by TestMain, with its
// local_SHA256SUM beside it.
var pluginBin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "bilancio-local-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code := 1
	if err := buildPlugin(dir); err != nil {
		fmt.Fprintln(os.Stderr, err)
	} else {
		code = m.Run()
	}
	os.RemoveAll(dir)
	os.Exit(code)
}

// buildPlugin builds the plugin binary into dir and writes its checksum.
func buildPlugin(dir string) error {
	pluginBin = filepath.Join(dir, pluginhost.BinaryName("local"))
	out, err := exec.Command("go", "build", "-o", pluginBin, "github.com/bilancio-go/bilancio/plugins/local/cmd/bilancio-executor-local").CombinedOutput()
	if err != nil {
		return fmt.Errorf("building bilancio-executor-local: %v\n%s", err, out)
	}
	sum, err := runfolder.FileSHA256(pluginBin)
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, pluginhost.SumName("local")), []byte(sum+"\n"), 0o644)
}

// subprocess starts the plugin binary as bilancio does (go-plugin, gRPC,
// AutoMTLS, checksum verified) and returns its executor; the plugin is
// stopped when the test ends.
func subprocess(tb testing.TB) sdk.Executor {
	tb.Helper()
	dir := filepath.Dir(pluginBin)
	p, err := pluginhost.Open(context.Background(), pluginhost.Candidate{
		Name: "local", Path: pluginBin, SumPath: filepath.Join(dir, pluginhost.SumName("local")), Dir: dir,
	})
	if err != nil {
		tb.Fatalf("starting the plugin: %v", err)
	}
	tb.Cleanup(func() {
		if err := p.Close(); err != nil {
			tb.Errorf("stopping the plugin: %v", err)
		}
	})
	return p.Executor()
}
