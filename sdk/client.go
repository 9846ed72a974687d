package sdk

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"google.golang.org/protobuf/proto"

	executorv1 "github.com/bilancio-go/bilancio/sdk/proto"
)

// client is the host side of the executor protocol: an Executor whose
// methods are gRPC calls to a plugin. Every call carries the caller's
// context, so cancelling it cancels the plugin's handler (gRPC sends
// RST_STREAM and the handler's context is done).
type client struct {
	stub executorv1.ExecutorClient
	// plugin is go-plugin's plugin-lifetime context: done once the plugin
	// process has exited.
	plugin context.Context
}

var _ Executor = (*client)(nil)

func newClient(pluginCtx context.Context, stub executorv1.ExecutorClient) *client {
	if pluginCtx == nil {
		pluginCtx = context.Background()
	}
	return &client{stub: stub, plugin: pluginCtx}
}

func (c *client) err(ctx context.Context, doing, method string, err error) error {
	return callError(ctx, c.plugin, doing, method, err)
}

// Describe asks the plugin who it is.
func (c *client) Describe(ctx context.Context) (*Info, error) {
	resp, err := c.stub.Describe(ctx, &executorv1.DescribeRequest{})
	if err != nil {
		return nil, c.err(ctx, "describing the executor", "Describe", err)
	}
	info := infoFromProto(resp.GetInfo())
	if info == nil {
		return nil, errors.New("describing the executor: the plugin sent no Info")
	}
	return info, nil
}

// Configure hands the plugin its configuration.
func (c *client) Configure(ctx context.Context, cfg *Config) error {
	req := &executorv1.ConfigureRequest{}
	if cfg != nil {
		req.ConfigJson = cfg.JSON
	}
	_, err := c.stub.Configure(ctx, req)
	return c.err(ctx, "configuring the executor", "Configure", err)
}

// CancelDrain is how long Execute keeps reading a batch's events once its
// context is done, after asking the plugin to cancel the batch's runs.
const CancelDrain = 400 * time.Millisecond

// Execute runs a batch on the plugin and calls emit for every event it
// streams back, in order, from this goroutine only.
//
// It returns nil when the plugin's Execute returned nil; the caller's
// ctx.Err() once ctx is cancelled (the plugin gets a Cancel for the batch's
// runs and CancelDrain to report them before its handler sees its context
// done; runs without a terminal event count as cancelled); the first error
// of emit (the call is then cancelled); and when the plugin crashed, an
// error wrapping ErrPluginCrashed, after emitting a failed event, whose
// message names the crash, for every run of the batch that had no terminal
// event yet. A batch that does not fit in one message (MaxMessageSize) is
// refused before anything is sent.
func (c *client) Execute(ctx context.Context, batch *Batch, emit func(RunEvent) error) error {
	if batch == nil {
		batch = &Batch{}
	}
	doing := fmt.Sprintf("executing the batch of experiment %s", batch.ExperimentID)
	req := &executorv1.ExecuteRequest{Batch: batchToProto(batch), BatchEvents: true}
	if n := proto.Size(req); n > MaxMessageSize {
		return fmt.Errorf("%s: its %d runs take %d bytes, more than the %d MiB a message may carry: split the batch",
			doing, len(batch.Runs), n, MaxMessageSize>>20)
	}
	// The guard follows the runs to their terminal events, to fail those
	// left open if the plugin crashes; the events themselves pass as they
	// come (the host's own guard, pluginhost.Execute, filters them).
	guard, err := NewRunGuard(batch)
	if err != nil {
		return fmt.Errorf("%s: %w", doing, err)
	}

	// The call outlives ctx by at most CancelDrain: once ctx is done the
	// plugin is asked to cancel the batch's runs (the Cancel RPC) and may
	// still report them, and the usage of what it stopped, before the call
	// is cut.
	callCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	defer cancel()
	ids := make([]string, len(batch.Runs))
	for i, r := range batch.Runs {
		ids[i] = r.RunID
	}
	stop := context.AfterFunc(ctx, func() {
		drain, cancelDrain := context.WithTimeout(callCtx, CancelDrain)
		defer cancelDrain()
		_ = c.Cancel(drain, &CancelRequest{ExperimentID: batch.ExperimentID, RunIDs: ids})
		<-drain.Done()
		cancel()
	})
	defer stop()
	stream, err := c.stub.Execute(callCtx, req)
	if err != nil {
		return c.failPending(ctx, guard, emit, c.err(ctx, doing, "Execute", err))
	}
	for {
		m, err := stream.Recv()
		if err == io.EOF {
			return ctx.Err()
		}
		if err != nil {
			return c.failPending(ctx, guard, emit, c.err(ctx, doing, "Execute", err))
		}
		more := m.GetMore()
		m.More = nil
		for i := -1; i < len(more); i++ {
			if i >= 0 {
				m = more[i]
			}
			ev, err := eventFromProto(m)
			if err != nil {
				return fmt.Errorf("%s: reading a run event: %w", doing, err)
			}
			guard.Admit(ev)
			if err := emit(ev); err != nil {
				return err
			}
		}
	}
}

// failPending reports the runs without a terminal event as failed
// (FailurePluginCrashed, with err's message) when err says that the plugin
// crashed, and returns err.
func (c *client) failPending(ctx context.Context, guard *RunGuard, emit func(RunEvent) error, err error) error {
	if !errors.Is(err, ErrPluginCrashed) || ctx.Err() != nil {
		return err
	}
	guard.Finish(emit, EventFailed, err.Error(), FailurePluginCrashed)
	return err
}

// Cancel asks the plugin to stop runs.
func (c *client) Cancel(ctx context.Context, req *CancelRequest) error {
	if req == nil {
		req = &CancelRequest{}
	}
	_, err := c.stub.Cancel(ctx, &executorv1.CancelRequest{ExperimentId: req.ExperimentID, RunIds: req.RunIDs})
	return c.err(ctx, fmt.Sprintf("cancelling runs of experiment %s", req.ExperimentID), "Cancel", err)
}

// Status asks the plugin about an experiment's runs.
func (c *client) Status(ctx context.Context, req *StatusRequest) (*StatusReply, error) {
	if req == nil {
		req = &StatusRequest{}
	}
	doing := fmt.Sprintf("asking the status of experiment %s", req.ExperimentID)
	resp, err := c.stub.Status(ctx, &executorv1.StatusRequest{ExperimentId: req.ExperimentID, Remote: req.Remote})
	if err != nil {
		return nil, c.err(ctx, doing, "Status", err)
	}
	reply, err := statusFromProto(resp)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", doing, err)
	}
	return reply, nil
}

// Estimate asks the plugin for a price.
func (c *client) Estimate(ctx context.Context, req *EstimateRequest) (*EstimateReply, error) {
	if req == nil {
		req = &EstimateRequest{}
	}
	resp, err := c.stub.Estimate(ctx, &executorv1.EstimateRequest{Runs: int64(req.Runs), SecondsPerRun: req.SecondsPerRun})
	if err != nil {
		return nil, c.err(ctx, fmt.Sprintf("estimating %d runs", req.Runs), "Estimate", err)
	}
	return estimateFromProto(resp), nil
}

// List lists the plugin's storage.
func (c *client) List(ctx context.Context, req *ListRequest) ([]Entry, error) {
	if req == nil {
		req = &ListRequest{}
	}
	resp, err := c.stub.List(ctx, &executorv1.ListRequest{Prefix: req.Prefix})
	if err != nil {
		return nil, c.err(ctx, fmt.Sprintf("listing %q", req.Prefix), "List", err)
	}
	return entriesFromProto(resp), nil
}

// Fetch copies an artifact from the plugin's storage to w as its chunks
// arrive. On error, w may hold part of the artifact.
func (c *client) Fetch(ctx context.Context, req *FetchRequest, w io.Writer) error {
	if req == nil {
		req = &FetchRequest{}
	}
	doing := fmt.Sprintf("fetching %q", req.Path)
	callCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	stream, err := c.stub.Fetch(callCtx, &executorv1.FetchRequest{Path: req.Path})
	if err != nil {
		return c.err(ctx, doing, "Fetch", err)
	}
	for {
		chunk, err := stream.Recv()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return c.err(ctx, doing, "Fetch", err)
		}
		if _, err := w.Write(chunk.GetData()); err != nil {
			return fmt.Errorf("%s: writing: %w", doing, err)
		}
	}
}

// Remove deletes artifacts from the plugin's storage.
func (c *client) Remove(ctx context.Context, req *RemoveRequest) error {
	if req == nil {
		req = &RemoveRequest{}
	}
	_, err := c.stub.Remove(ctx, &executorv1.RemoveRequest{Path: req.Path, Recursive: req.Recursive})
	return c.err(ctx, fmt.Sprintf("removing %q", req.Path), "Remove", err)
}
