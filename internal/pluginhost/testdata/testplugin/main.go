// Command testplugin is an executor plugin for pluginhost's tests. One
// binary plays several plugins, chosen by its file name
// bilancio-executor-NAME:
//
//   - v2only serves protocol version 2 only (and says so in describe);
//   - any other name serves protocol 1 through sdk.Main.
//
// Each run's ScenarioName says what to do with it: "ok" completes at once,
// "sleep:DURATION" completes after DURATION unless cancelled, "panic"
// panics, "exit" writes to stderr and exits 3, "freeze" stops the whole
// process (SIGSTOP), "silent:DURATION" sleeps like sleep: but the plugin's
// heartbeats do not vouch for it (sdk.Liveness). Runs go one after the other
// when Batch.Parallel is 1, all at once otherwise.
//
// With TESTPLUGIN_CHILDREN=1 in its environment the plugin starts two child
// processes that sleep for minutes (one holding its stderr), to test that
// the host kills them with the plugin. With TESTPLUGIN_HANG=1 it never
// answers the handshake.
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/go-plugin"

	"github.com/bilancio-go/bilancio/sdk"
)

// stderr is the process's real stderr: go-plugin replaces os.Stderr with a
// pipe of its own once it serves.
var stderr = os.Stderr

func main() {
	if os.Getenv("TESTPLUGIN_ROLE") == "child" {
		time.Sleep(5 * time.Minute)
		return
	}
	name := strings.TrimPrefix(filepath.Base(os.Args[0]), "bilancio-executor-")
	if os.Getenv("TESTPLUGIN_CHILDREN") == "1" {
		startChildren()
	}
	if os.Getenv("TESTPLUGIN_HANG") == "1" {
		time.Sleep(5 * time.Minute) // never answers the handshake
	}
	ex := &executor{name: name, versions: []int{1}}
	if name == "v2only" {
		ex.versions = []int{2}
		if len(os.Args) > 1 && os.Args[1] == "describe" {
			info, _ := ex.Describe(context.Background())
			_ = json.NewEncoder(os.Stdout).Encode(info)
			return
		}
		plugin.Serve(&plugin.ServeConfig{
			HandshakeConfig:  sdk.Handshake,
			VersionedPlugins: map[int]plugin.PluginSet{2: {sdk.PluginName: &sdk.ExecutorPlugin{Impl: ex}}},
			GRPCServer:       plugin.DefaultGRPCServer,
		})
		return
	}
	sdk.Main(ex)
}

// startChildren starts two sleeping copies of this binary and leaves them.
func startChildren() {
	self, err := os.Executable()
	if err != nil {
		panic(err)
	}
	for i, out := range []*os.File{stderr, nil} {
		cmd := exec.Command(self)
		cmd.Env = append(os.Environ(), "TESTPLUGIN_ROLE=child")
		if out != nil {
			cmd.Stderr = out
		}
		if err := cmd.Start(); err != nil {
			panic(fmt.Sprintf("starting child %d: %v", i, err))
		}
	}
}

type executor struct {
	name     string
	versions []int

	mu sync.Mutex
	// silent are the runs the heartbeats do not vouch for.
	silent map[string]bool
}

// Alive implements sdk.Liveness: every running run but the silent ones.
func (e *executor) Alive(_ string, running []string) []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []string
	for _, id := range running {
		if !e.silent[id] {
			out = append(out, id)
		}
	}
	return out
}

func (e *executor) Describe(context.Context) (*sdk.Info, error) {
	return &sdk.Info{
		Name: e.name, Version: "0.0.1-test", SDKVersion: sdk.Version, ProtocolVersions: e.versions,
		Capabilities: sdk.Capabilities{Cancel: true, MaxParallelHint: 4},
		ConfigSchema: []sdk.ConfigAttribute{{Name: "speed", Type: sdk.TypeNumber, Description: "how fast", Default: "1"}},
	}, nil
}

func (e *executor) Configure(context.Context, *sdk.Config) error { return nil }

func (e *executor) Execute(ctx context.Context, b *sdk.Batch, emit func(sdk.RunEvent) error) error {
	if b.Parallel == 1 {
		for _, r := range b.Runs {
			if err := e.run(ctx, r, emit); err != nil {
				return err
			}
		}
		return nil
	}
	var wg sync.WaitGroup
	errs := make(chan error, len(b.Runs))
	for _, r := range b.Runs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- e.run(ctx, r, emit)
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

func (e *executor) run(ctx context.Context, r sdk.RunSpec, emit func(sdk.RunEvent) error) error {
	if err := emit(sdk.RunEvent{RunID: r.RunID, Type: sdk.EventStarted, Time: time.Now(), Attempt: 1}); err != nil {
		return err
	}
	if r.ScenarioName == "panic" || r.ScenarioName == "exit" {
		// Let gRPC flush the events of the runs before: a crash loses what
		// the transport had not sent yet.
		time.Sleep(200 * time.Millisecond)
	}
	if what, ok := strings.CutPrefix(r.ScenarioName, "silent:"); ok {
		e.mu.Lock()
		if e.silent == nil {
			e.silent = map[string]bool{}
		}
		e.silent[r.RunID] = true
		e.mu.Unlock()
		r.ScenarioName = "sleep:" + what
	}
	switch what := r.ScenarioName; {
	case what == "freeze":
		time.Sleep(100 * time.Millisecond) // let the started event out
		freeze()
	case what == "panic":
		panic("boom in run " + r.RunID)
	case what == "exit":
		fmt.Fprintf(stderr, "giving up on run %s\n", r.RunID)
		os.Exit(3)
	case strings.HasPrefix(what, "sleep:"):
		d, err := time.ParseDuration(strings.TrimPrefix(what, "sleep:"))
		if err != nil {
			return err
		}
		select {
		case <-time.After(d):
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return emit(sdk.RunEvent{RunID: r.RunID, Type: sdk.EventCompleted, Time: time.Now(), Attempt: 1,
		Result: &sdk.RunResult{RunID: r.RunID, StopReason: "test", Executor: e.name}})
}

func (e *executor) Cancel(context.Context, *sdk.CancelRequest) error { return nil }

func (e *executor) Status(context.Context, *sdk.StatusRequest) (*sdk.StatusReply, error) {
	return &sdk.StatusReply{}, nil
}

func (e *executor) Estimate(context.Context, *sdk.EstimateRequest) (*sdk.EstimateReply, error) {
	return nil, sdk.ErrNotSupported
}

func (e *executor) List(context.Context, *sdk.ListRequest) ([]sdk.Entry, error) {
	return nil, sdk.ErrNotSupported
}

func (e *executor) Fetch(context.Context, *sdk.FetchRequest, io.Writer) error {
	return sdk.ErrNotSupported
}

func (e *executor) Remove(context.Context, *sdk.RemoveRequest) error { return sdk.ErrNotSupported }
