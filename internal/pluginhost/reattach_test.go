package pluginhost

import (
	"bufio"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/bilancio-go/bilancio/sdk"
)

func TestOpenReattached(t *testing.T) {
	bin := filepath.Join(t.TempDir(), BinaryName("debugged"))
	copyFile(t, testPluginBin, bin, 0o755)
	cmd := exec.Command(bin, "debug")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		_ = cmd.Process.Signal(os.Interrupt)
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			_ = cmd.Process.Kill()
			<-done
			t.Error("the debug plugin did not stop on SIGINT")
		}
	}()
	// The plugin prints: export BILANCIO_REATTACH_EXECUTORS='{...}'
	var value string
	sc := bufio.NewScanner(stdout)
	for value == "" && sc.Scan() {
		if _, v, ok := strings.Cut(sc.Text(), "export "+sdk.ReattachEnv+"='"); ok {
			value = strings.TrimSuffix(v, "'")
		}
	}
	go func() { // keep draining
		for sc.Scan() {
		}
	}()
	if value == "" {
		t.Fatal("the debug plugin printed no reattach line")
	}
	m, err := Reattached(func(k string) string {
		if k == sdk.ReattachEnv {
			return value
		}
		return ""
	})
	if err != nil || len(m) != 1 {
		t.Fatalf("Reattached = %v, %v", m, err)
	}
	p, err := OpenReattached(context.Background(), "debugged", m["debugged"], WithLogger(testLogger(t)))
	if err != nil {
		t.Fatal(err)
	}
	if p.Info().Name != "debugged" || p.Pid() != cmd.Process.Pid {
		t.Errorf("Info %+v, pid %d (want %d)", p.Info(), p.Pid(), cmd.Process.Pid)
	}
	events, err := collect(context.Background(), t, p.Executor(), batch(0, "ok"))
	if err != nil || terminal(t, events, "r0").Type != sdk.EventCompleted {
		t.Fatalf("batch: %v %+v", err, events)
	}
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	// Closing disconnects but leaves the process being debugged alone.
	if st := procState(cmd.Process.Pid); runtime.GOOS == "linux" && (st == "" || st == "Z") {
		t.Errorf("the debugged plugin is gone after Close (state %q)", st)
	}
	// ... and usable by the next bilancio.
	p2, err := OpenReattached(context.Background(), "debugged", m["debugged"], WithLogger(testLogger(t)))
	if err != nil {
		t.Fatalf("reattaching again: %v", err)
	}
	if err := p2.Close(); err != nil {
		t.Error(err)
	}
	if _, err := Reattached(func(string) string { return "" }); err != nil {
		t.Error(err)
	}
	if _, err := Reattached(func(string) string { return `{"Bad Name":{}}` }); err == nil {
		t.Error("an invalid name was accepted")
	}
}
