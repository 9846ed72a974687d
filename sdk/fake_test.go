package sdk

import (
	"bytes"
	"context"
	"io"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/go-plugin"
)

// fake is an Executor for the glue tests: it records what it is asked and
// answers what its fields say. A hook, when set, replaces a method.
type fake struct {
	info    *Info
	events  []RunEvent
	status  *StatusReply
	est     *EstimateReply
	entries []Entry
	content []byte
	err     error // returned by every method without a hook

	onExecute func(ctx context.Context, b *Batch, emit func(RunEvent) error) error
	onFetch   func(ctx context.Context, req *FetchRequest, w io.Writer) error
	onCancel  func(ctx context.Context, req *CancelRequest) error

	mu  sync.Mutex
	got []any // the requests, in order
}

func (f *fake) record(req any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.got = append(f.got, req)
}

func (f *fake) requests() []any {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]any(nil), f.got...)
}

func (f *fake) Describe(ctx context.Context) (*Info, error) {
	f.record("describe")
	return f.info, f.err
}

func (f *fake) Configure(ctx context.Context, cfg *Config) error {
	f.record(cfg)
	return f.err
}

func (f *fake) Execute(ctx context.Context, b *Batch, emit func(RunEvent) error) error {
	f.record(b)
	if f.onExecute != nil {
		return f.onExecute(ctx, b, emit)
	}
	for _, ev := range f.events {
		if err := emit(ev); err != nil {
			return err
		}
	}
	return f.err
}

func (f *fake) Cancel(ctx context.Context, req *CancelRequest) error {
	f.record(req)
	if f.onCancel != nil {
		return f.onCancel(ctx, req)
	}
	return f.err
}

func (f *fake) Status(ctx context.Context, req *StatusRequest) (*StatusReply, error) {
	f.record(req)
	return f.status, f.err
}

func (f *fake) Estimate(ctx context.Context, req *EstimateRequest) (*EstimateReply, error) {
	f.record(req)
	return f.est, f.err
}

func (f *fake) List(ctx context.Context, req *ListRequest) ([]Entry, error) {
	f.record(req)
	return f.entries, f.err
}

func (f *fake) Fetch(ctx context.Context, req *FetchRequest, w io.Writer) error {
	f.record(req)
	if f.onFetch != nil {
		return f.onFetch(ctx, req, w)
	}
	if f.err != nil {
		return f.err
	}
	_, err := io.Copy(w, bytes.NewReader(f.content))
	return err
}

func (f *fake) Remove(ctx context.Context, req *RemoveRequest) error {
	f.record(req)
	return f.err
}

// connect serves impl over real gRPC (a unix socket in this process) and
// returns the host's Executor and go-plugin's test server.
func connect(t *testing.T, impl Executor) (Executor, *plugin.GRPCServer) {
	t.Helper()
	return connectPlugin(t, &ExecutorPlugin{Impl: impl})
}

// connectPlugin is connect for a given plugin value.
func connectPlugin(t *testing.T, p *ExecutorPlugin) (Executor, *plugin.GRPCServer) {
	t.Helper()
	set := map[string]plugin.Plugin{PluginName: p}
	client, server := plugin.TestPluginGRPCConn(t, false, set)
	t.Cleanup(func() {
		client.Close()
		select {
		case <-server.DoneCh:
		case <-time.After(2 * time.Second):
			server.Stop()
		}
	})
	raw, err := client.Dispense(PluginName)
	if err != nil {
		t.Fatalf("Dispense: %v", err)
	}
	ex, ok := raw.(Executor)
	if !ok {
		t.Fatalf("Dispense gave %T", raw)
	}
	return ex, server
}

// at is a fixed time in UTC (what survives a protobuf Timestamp exactly).
func at(sec int) time.Time { return time.Date(2026, 5, 1, 12, 0, sec, 123456789, time.UTC) }
