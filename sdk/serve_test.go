package sdk

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/go-plugin"
)

func TestMainDescribe(t *testing.T) {
	info := &Info{
		Name: "fake", Version: "0.3.0",
		Capabilities: Capabilities{Cancel: true, MaxParallelHint: 4},
		ConfigSchema: []ConfigAttribute{{Name: "parallel", Type: TypeNumber, Description: "runs at once", Default: "2"}},
	}
	cases := []struct {
		name     string
		args     []string
		impl     *fake
		code     int
		stdout   bool // a description is printed
		inStderr string
	}{
		{"describe", []string{"bilancio-executor-fake", "describe"}, &fake{info: info}, 0, true, ""},
		{"describe fails", []string{"bilancio-executor-fake", "describe"}, &fake{err: errors.New("no credentials")}, 1, false, "no credentials"},
		{"describe nil", []string{"bilancio-executor-fake", "describe"}, &fake{}, 1, false, "nil Info"},
		{"unknown argument", []string{"bilancio-executor-fake", "frobnicate"}, &fake{info: info}, 2, false, "usage: bilancio-executor-fake"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := runMain(tc.args, tc.impl, &stdout, &stderr)
			if code != tc.code {
				t.Errorf("exit code %d, want %d (stderr %q)", code, tc.code, stderr.String())
			}
			if !strings.Contains(stderr.String(), tc.inStderr) {
				t.Errorf("stderr %q does not contain %q", stderr.String(), tc.inStderr)
			}
			if !tc.stdout {
				if stdout.Len() != 0 {
					t.Errorf("stdout %q, want nothing", stdout.String())
				}
				return
			}
			var d Description
			if err := json.Unmarshal(stdout.Bytes(), &d); err != nil {
				t.Fatalf("stdout is not a description: %v\n%s", err, stdout.String())
			}
			want := Description{Info: *info, APIVersion: APIVersion}
			want.SDKVersion = Version
			want.ProtocolVersions = []int{ProtocolVersion}
			want.Capabilities.Heartbeat = true // the SDK's server sends them
			if !jsonEqual(t, d, want) {
				t.Errorf("description\n%s\nwant\n%+v", stdout.String(), want)
			}
			var raw map[string]any
			if err := json.Unmarshal(stdout.Bytes(), &raw); err != nil {
				t.Fatal(err)
			}
			for _, key := range []string{"name", "version", "sdk_version", "api_version", "protocol_versions", "capabilities", "config_schema"} {
				if _, ok := raw[key]; !ok {
					t.Errorf("the description has no %q: %s", key, stdout.String())
				}
			}
		})
	}
}

func jsonEqual(t *testing.T, a, b any) bool {
	t.Helper()
	ja, err := json.Marshal(a)
	if err != nil {
		t.Fatal(err)
	}
	jb, err := json.Marshal(b)
	if err != nil {
		t.Fatal(err)
	}
	return bytes.Equal(ja, jb)
}

func TestWatchParent(t *testing.T) {
	cases := []struct {
		name  string
		ppids []int // what getppid returns, call after call (the last repeats)
		death bool
	}{
		{"parent alive", []int{42}, false},
		{"parent dies", []int{42, 42, 42, 1}, true},
		{"re-parented to a subreaper", []int{42, 42, 977}, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var mu sync.Mutex
			calls := 0
			getppid := func() int {
				mu.Lock()
				defer mu.Unlock()
				calls++
				return tc.ppids[min(calls, len(tc.ppids))-1]
			}
			ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
			defer cancel()
			died := make(chan struct{}, 2)
			watchParent(ctx, time.Millisecond, getppid, func() { died <- struct{}{} })
			if got := len(died); (got == 1) != tc.death || got > 1 {
				t.Errorf("onDeath called %d times, want death=%v", got, tc.death)
			}
		})
	}
}

func TestNegotiateProtocol(t *testing.T) {
	cases := []struct {
		plugin []int
		want   int
		ok     bool
	}{
		{[]int{1}, 1, true},
		{[]int{2, 1}, 1, true},
		{[]int{2}, 0, false},
		{nil, 0, false},
	}
	for _, tc := range cases {
		got, err := NegotiateProtocol(tc.plugin)
		if got != tc.want || (err == nil) != tc.ok {
			t.Errorf("NegotiateProtocol(%v) = %d, %v", tc.plugin, got, err)
		}
		if err != nil && (!errors.Is(err, ErrIncompatibleProtocol) || !strings.Contains(err.Error(), "[1]")) {
			t.Errorf("NegotiateProtocol(%v): %v should wrap ErrIncompatibleProtocol and name both lists", tc.plugin, err)
		}
	}
}

// syncBuffer is a bytes.Buffer safe for a writer and a reader goroutine.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestServeDebugReattach serves a plugin the way `debug` does (go-plugin's
// test mode, with Serve's own gRPC server), reads the printed
// BILANCIO_REATTACH_EXECUTORS line, and connects to it as the host would:
// PluginSets, the reattach configuration, a batch over gRPC's default 4 MiB
// limit.
func TestServeDebugReattach(t *testing.T) {
	f := &fake{info: &Info{Name: "fake", Version: "1.0.0"}}
	ctx, cancel := context.WithCancel(context.Background())
	out := &syncBuffer{}
	served := make(chan error, 1)
	go func() { served <- serveDebug(ctx, f, out) }()
	defer func() {
		cancel()
		select {
		case err := <-served:
			if err != nil {
				t.Errorf("serveDebug: %v", err)
			}
		case <-time.After(5 * time.Second):
			t.Error("serveDebug did not return after its context was cancelled")
		}
	}()

	var value string
	for deadline := time.Now().Add(10 * time.Second); value == "" && time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		for line := range strings.SplitSeq(out.String(), "\n") {
			if _, v, ok := strings.Cut(strings.TrimSpace(line), "export "+ReattachEnv+"="); ok {
				value = strings.Trim(v, "'")
			}
		}
	}
	if value == "" {
		t.Fatalf("no %s line in %q", ReattachEnv, out.String())
	}
	m, err := ParseReattach(value)
	if err != nil {
		t.Fatal(err)
	}
	r, ok := m["fake"]
	if !ok || r.Pid != os.Getpid() || r.ProtocolVersion != ProtocolVersion {
		t.Fatalf("reattach %+v", m)
	}
	rc, err := r.Config()
	if err != nil {
		t.Fatal(err)
	}
	client := plugin.NewClient(&plugin.ClientConfig{
		HandshakeConfig:  Handshake,
		Reattach:         rc,
		Plugins:          PluginSets[rc.ProtocolVersion],
		AllowedProtocols: []plugin.Protocol{plugin.ProtocolGRPC},
		Logger:           hclog.NewNullLogger(),
	})
	defer client.Kill()
	rpc, err := client.Client()
	if err != nil {
		t.Fatalf("connecting: %v", err)
	}
	raw, err := rpc.Dispense(PluginName)
	if err != nil {
		t.Fatal(err)
	}
	ex := raw.(Executor)
	info, err := ex.Describe(ctx)
	if err != nil || info.Name != "fake" {
		t.Fatalf("Describe = %+v, %v", info, err)
	}
	big := &Batch{ExperimentID: "big", Runs: []RunSpec{{RunID: "a", Scenario: bytes.Repeat([]byte("x"), 6<<20)}}}
	if err := ex.Execute(ctx, big, func(RunEvent) error { return nil }); err != nil {
		t.Fatalf("Execute of a 6 MiB batch: %v", err)
	}
	reqs := f.requests()
	if b, ok := reqs[len(reqs)-1].(*Batch); !ok || len(b.Runs) != 1 || len(b.Runs[0].Scenario) != 6<<20 {
		t.Errorf("the executor did not get the 6 MiB batch")
	}
}

func TestReattachConfigErrors(t *testing.T) {
	cases := []struct {
		name string
		r    Reattach
	}{
		{"network", Reattach{Protocol: "grpc", Addr: ReattachAddr{Network: "carrier-pigeon", String: "x"}}},
		{"protocol", Reattach{Protocol: "netrpc", Addr: ReattachAddr{Network: "unix", String: "/tmp/x.sock"}}},
	}
	for _, tc := range cases {
		if _, err := tc.r.Config(); err == nil {
			t.Errorf("%s: Config() accepted %+v", tc.name, tc.r)
		}
	}
	if _, err := ParseReattach("{"); err == nil {
		t.Error("ParseReattach accepted malformed JSON")
	}
}
