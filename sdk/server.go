package sdk

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sync"
	"time"

	executorv1 "github.com/bilancio-go/bilancio/sdk/proto"
)

// server is the plugin side of the executor protocol: it answers the gRPC
// calls of the host by calling an Executor. Every handler passes the call's
// context to the executor, so a call cancelled by the host cancels the
// executor's work.
type server struct {
	executorv1.UnimplementedExecutorServer
	impl Executor

	// life is cancelled by shutdown: it cancels the handlers' contexts too.
	life     context.Context
	shutdown context.CancelFunc

	mu sync.Mutex
	// inflight counts the running Execute calls per experiment.
	inflight map[string]int
	// stopping refuses new Execute calls once stop has begun.
	stopping bool
	running  sync.WaitGroup
}

func newServer(impl Executor) *server {
	life, cancel := context.WithCancel(context.Background())
	return &server{impl: impl, life: life, shutdown: cancel, inflight: map[string]int{}}
}

// handlerContext derives a handler's context from the call's: it is also
// cancelled when the server stops.
func (s *server) handlerContext(ctx context.Context) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithCancel(ctx)
	stop := context.AfterFunc(s.life, cancel)
	return ctx, func() { stop(); cancel() }
}

// stop cancels the in-flight work: it calls the executor's Cancel for every
// experiment with a running Execute (unless the executor has
// Capabilities.Detach: its remote work outlives the plugin, and only an
// explicit Cancel stops it), cancels every handler's context and waits,
// until ctx is done, for the Execute calls to return. The parent-death
// watchdog calls it before the plugin exits.
func (s *server) stop(ctx context.Context) {
	s.mu.Lock()
	s.stopping = true
	experiments := slices.Sorted(maps.Keys(s.inflight))
	s.mu.Unlock()
	if info, err := describe(ctx, s.impl); err != nil || !info.Capabilities.Detach {
		for _, id := range experiments {
			_ = s.impl.Cancel(ctx, &CancelRequest{ExperimentID: id})
		}
	}
	s.shutdown()
	done := make(chan struct{})
	go func() { s.running.Wait(); close(done) }()
	select {
	case <-done:
	case <-ctx.Done():
	}
}

// Describe implements the Describe RPC. The SDK fills in what it knows
// better than the executor: SDKVersion, and ProtocolVersions when empty.
func (s *server) Describe(ctx context.Context, _ *executorv1.DescribeRequest) (*executorv1.DescribeResponse, error) {
	info, err := describe(ctx, s.impl)
	if err != nil {
		return nil, toStatus(err)
	}
	return &executorv1.DescribeResponse{Info: infoToProto(info)}, nil
}

// describe calls impl.Describe and completes its answer.
func describe(ctx context.Context, impl Executor) (*Info, error) {
	info, err := impl.Describe(ctx)
	if err != nil {
		return nil, err
	}
	if info == nil {
		return nil, errors.New("the executor described itself as nothing (nil Info)")
	}
	out := *info
	out.SDKVersion = Version
	out.Capabilities.Heartbeat = true // the server sends them, see Execute
	if len(out.ProtocolVersions) == 0 {
		out.ProtocolVersions = ProtocolVersions()
	}
	return &out, nil
}

// Configure implements the Configure RPC.
func (s *server) Configure(ctx context.Context, req *executorv1.ConfigureRequest) (*executorv1.ConfigureResponse, error) {
	if err := s.impl.Configure(ctx, &Config{JSON: req.GetConfigJson()}); err != nil {
		return nil, toStatus(err)
	}
	return &executorv1.ConfigureResponse{}, nil
}

// Execute implements the Execute RPC: the executor's events are sent on the
// stream as they come, one at a time, until the executor returns. When the
// batch asks for heartbeats (HeartbeatInterval), a heartbeat event naming
// the runs started and not ended (see Liveness) goes out at that interval
// whatever the executor does: a plugin whose runs are computing is not
// silent, and one that is frozen is.
func (s *server) Execute(req *executorv1.ExecuteRequest, stream executorv1.Executor_ExecuteServer) error {
	batch := batchFromProto(req.GetBatch())
	ctx, cancel := s.handlerContext(stream.Context())
	defer cancel()

	s.mu.Lock()
	if s.stopping {
		s.mu.Unlock()
		return toStatus(fmt.Errorf("executing the batch of experiment %s: the executor plugin is shutting down", batch.ExperimentID))
	}
	s.inflight[batch.ExperimentID]++
	s.running.Add(1)
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		if s.inflight[batch.ExperimentID]--; s.inflight[batch.ExperimentID] <= 0 {
			delete(s.inflight, batch.ExperimentID)
		}
		s.mu.Unlock()
		s.running.Done()
	}()

	// The executor may emit from several goroutines, and may (wrongly) keep
	// a goroutine that emits after Execute returned: sends are serialised
	// and refused once the handler is done. A host that takes several
	// events in a message gets them from a sender goroutine, which sends
	// the events that came while it was sending the previous message
	// together (one message, not one each, for a batch's queued events);
	// an error sending is then returned by the next emit.
	var (
		sendMu sync.Mutex
		closed bool
	)
	running := newRunningSet(batch)
	var out *eventSender
	if req.GetBatchEvents() {
		out = newEventSender(stream)
	}
	emit := func(ev RunEvent) error {
		m, err := eventToProto(&ev)
		if err != nil {
			return fmt.Errorf("sending a run event: %w", err)
		}
		sendMu.Lock()
		defer sendMu.Unlock()
		if closed {
			return errors.New("sending a run event: the batch's Execute call has returned")
		}
		if out != nil {
			if err := out.add(m, lingers(ev.Type)); err != nil {
				return err
			}
			running.saw(ev)
			return nil
		}
		running.saw(ev)
		if err := stream.Send(m); err != nil {
			return fmt.Errorf("sending a run event of run %s: %w", ev.RunID, err)
		}
		return nil
	}
	stopBeats := make(chan struct{})
	beats := sync.WaitGroup{}
	if every := batch.HeartbeatInterval; every > 0 {
		live, _ := s.impl.(Liveness)
		beats.Go(func() {
			t := time.NewTicker(every)
			defer t.Stop()
			for {
				select {
				case <-stopBeats:
					return
				case <-t.C:
				}
				ids := running.list()
				if live != nil && len(ids) > 0 {
					ids = live.Alive(batch.ExperimentID, ids)
				}
				if emit(RunEvent{Type: EventHeartbeat, Time: time.Now(), Running: ids}) != nil {
					return
				}
			}
		})
	}
	err := s.impl.Execute(ctx, batch, emit)
	close(stopBeats)
	beats.Wait()
	sendMu.Lock()
	closed = true
	sendMu.Unlock()
	if out != nil {
		out.close() // what is pending goes out before the call ends
	}
	return toStatus(err)
}

// maxEventsPerMessage bounds the events an eventSender puts in one message
// (a completed event is about 2 KB).
const maxEventsPerMessage = 256

// eventLinger is how long a run's queued, started and completed events may
// wait for others to go with: the events of a sweep's runs then travel a
// few runs' worth to a message (a 5-agent ring takes well under a
// millisecond), not one message a run — each costs both processes a TLS
// record, an HTTP/2 frame, a write, a read and a few goroutine wake-ups.
// A completed run's folder is in place before its event lingers, so a
// plugin killed meanwhile loses nothing (the host finds the folder).
const eventLinger = 2 * time.Millisecond

// lingers tells whether events of type t may wait up to eventLinger.
// Failed and cancelled runs, heartbeats and progress go at once.
func lingers(t EventType) bool {
	return t == EventQueued || t == EventStarted || t == EventCompleted
}

// eventSender sends a batch's events on its stream from its own goroutine:
// the events added while a message is being sent go together in the next
// one (RunEvent.more), in order. Events that may linger (lazy) wait up to
// eventLinger for one that may not; while they wait, adding another that
// may linger does not wake the sender.
type eventSender struct {
	stream executorv1.Executor_ExecuteServer
	wake   chan struct{}
	done   chan struct{}

	mu      sync.Mutex
	pending []*executorv1.RunEvent
	// lazy: every pending event may wait.
	lazy bool
	// lingering: the sender waits for the lazy events' deadline.
	lingering bool
	closing   bool
	err       error
}

func newEventSender(stream executorv1.Executor_ExecuteServer) *eventSender {
	s := &eventSender{stream: stream, wake: make(chan struct{}, 1), done: make(chan struct{})}
	go s.loop()
	return s
}

// add queues m (lazy: it may wait), or returns the error of an earlier
// send.
func (s *eventSender) add(m *executorv1.RunEvent, lazy bool) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err != nil {
		return s.err
	}
	s.lazy = lazy && (s.lazy || len(s.pending) == 0)
	s.pending = append(s.pending, m)
	if s.lazy && s.lingering && len(s.pending) < maxEventsPerMessage {
		return nil // it goes at the deadline the sender waits for
	}
	select {
	case s.wake <- struct{}{}:
	default: // the sender is already due to look
	}
	return nil
}

// close sends what is pending and stops the sender.
func (s *eventSender) close() {
	s.mu.Lock()
	s.closing = true
	s.mu.Unlock()
	select {
	case s.wake <- struct{}{}:
	default:
	}
	<-s.done
}

func (s *eventSender) loop() {
	defer close(s.done)
	linger := time.NewTimer(eventLinger)
	linger.Stop()
	for range s.wake {
		var deadline time.Time // of the lazy events waiting
		for {
			s.mu.Lock()
			if s.lazy && !s.closing && s.err == nil && len(s.pending) < maxEventsPerMessage {
				s.lingering = true
				s.mu.Unlock()
				if deadline.IsZero() {
					deadline = time.Now().Add(eventLinger)
				}
				if wait := time.Until(deadline); wait > 0 {
					linger.Reset(wait)
					select {
					case <-s.wake: // an event that may not wait, a full message, or close
						linger.Stop()
						s.mu.Lock()
						s.lingering = false
						s.mu.Unlock()
						continue
					case <-linger.C:
					}
				}
				s.mu.Lock()
				s.lingering = false
				s.lazy = false
				s.mu.Unlock()
				continue
			}
			deadline = time.Time{}
			n := min(len(s.pending), maxEventsPerMessage)
			msg := s.pending[:n:n]
			s.pending = s.pending[n:]
			if len(s.pending) == 0 {
				s.pending = nil
			}
			s.lazy = false // what is left over goes next, at once
			closing, failed := s.closing, s.err != nil
			s.mu.Unlock()
			if n == 0 || failed {
				if closing {
					return
				}
				break
			}
			m := msg[0]
			m.More = msg[1:]
			if err := s.stream.Send(m); err != nil {
				s.mu.Lock()
				s.err = fmt.Errorf("sending a run event of run %s: %w", m.GetRunId(), err)
				s.mu.Unlock()
			}
		}
	}
}

// runningSet follows which runs of a batch are started and not ended, from
// the events sent, for heartbeats. Its methods are called with the
// handler's send lock held, or (list) from the heartbeat goroutine.
type runningSet struct {
	mu    sync.Mutex
	order []string
	on    map[string]bool
}

func newRunningSet(b *Batch) *runningSet {
	rs := &runningSet{on: make(map[string]bool, len(b.Runs))}
	for _, r := range b.Runs {
		rs.order = append(rs.order, r.RunID)
	}
	return rs
}

// saw updates the set with an event the executor emitted.
func (rs *runningSet) saw(ev RunEvent) {
	if ev.RunID == "" {
		return
	}
	rs.mu.Lock()
	defer rs.mu.Unlock()
	switch {
	case ev.Type.Final():
		delete(rs.on, ev.RunID)
	case ev.Type == EventStarted:
		rs.on[ev.RunID] = true
	}
}

// list returns the running runs in batch order.
func (rs *runningSet) list() []string {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	out := make([]string, 0, len(rs.on))
	for _, id := range rs.order {
		if rs.on[id] {
			out = append(out, id)
		}
	}
	return out
}

// Cancel implements the Cancel RPC.
func (s *server) Cancel(ctx context.Context, req *executorv1.CancelRequest) (*executorv1.CancelResponse, error) {
	err := s.impl.Cancel(ctx, &CancelRequest{ExperimentID: req.GetExperimentId(), RunIDs: req.GetRunIds()})
	if err != nil {
		return nil, toStatus(err)
	}
	return &executorv1.CancelResponse{}, nil
}

// Status implements the Status RPC.
func (s *server) Status(ctx context.Context, req *executorv1.StatusRequest) (*executorv1.StatusResponse, error) {
	reply, err := s.impl.Status(ctx, &StatusRequest{ExperimentID: req.GetExperimentId(), Remote: req.GetRemote()})
	if err != nil {
		return nil, toStatus(err)
	}
	out, err := statusToProto(reply)
	return out, toStatus(err)
}

// Estimate implements the Estimate RPC.
func (s *server) Estimate(ctx context.Context, req *executorv1.EstimateRequest) (*executorv1.EstimateResponse, error) {
	reply, err := s.impl.Estimate(ctx, &EstimateRequest{Runs: int(req.GetRuns()), SecondsPerRun: req.GetSecondsPerRun()})
	if err != nil {
		return nil, toStatus(err)
	}
	return estimateToProto(reply), nil
}

// List implements the List RPC.
func (s *server) List(ctx context.Context, req *executorv1.ListRequest) (*executorv1.ListResponse, error) {
	entries, err := s.impl.List(ctx, &ListRequest{Prefix: req.GetPrefix()})
	if err != nil {
		return nil, toStatus(err)
	}
	return entriesToProto(entries), nil
}

// Fetch implements the Fetch RPC: what the executor writes is sent in
// chunks of FetchChunkSize bytes (the last one shorter), whatever the sizes
// of its writes.
func (s *server) Fetch(req *executorv1.FetchRequest, stream executorv1.Executor_FetchServer) error {
	ctx, cancel := s.handlerContext(stream.Context())
	defer cancel()
	w := &chunkWriter{send: func(p []byte) error { return stream.Send(&executorv1.FetchChunk{Data: p}) }}
	if err := s.impl.Fetch(ctx, &FetchRequest{Path: req.GetPath()}, w); err != nil {
		return toStatus(err)
	}
	if err := w.flush(); err != nil {
		return toStatus(fmt.Errorf("sending %s: %w", req.GetPath(), err))
	}
	return nil
}

// chunkWriter gathers what is written to it into chunks of FetchChunkSize
// bytes and sends each; flush sends the rest. A full chunk's worth of a
// write is sent without copying when nothing is pending. send must not keep
// its argument after it returns (gRPC's Send serialises it at once).
type chunkWriter struct {
	send func([]byte) error
	buf  []byte
}

func (c *chunkWriter) Write(p []byte) (int, error) {
	n := 0
	for len(p) > 0 {
		if len(c.buf) == 0 && len(p) >= FetchChunkSize {
			if err := c.send(p[:FetchChunkSize]); err != nil {
				return n, err
			}
			n += FetchChunkSize
			p = p[FetchChunkSize:]
			continue
		}
		if c.buf == nil {
			c.buf = make([]byte, 0, FetchChunkSize)
		}
		k := copy(c.buf[len(c.buf):FetchChunkSize], p)
		c.buf = c.buf[:len(c.buf)+k]
		n += k
		p = p[k:]
		if len(c.buf) == FetchChunkSize {
			if err := c.flush(); err != nil {
				return n, err
			}
		}
	}
	return n, nil
}

func (c *chunkWriter) flush() error {
	if len(c.buf) == 0 {
		return nil
	}
	err := c.send(c.buf)
	c.buf = c.buf[:0]
	return err
}

// Remove implements the Remove RPC.
func (s *server) Remove(ctx context.Context, req *executorv1.RemoveRequest) (*executorv1.RemoveResponse, error) {
	if err := s.impl.Remove(ctx, &RemoveRequest{Path: req.GetPath(), Recursive: req.GetRecursive()}); err != nil {
		return nil, toStatus(err)
	}
	return &executorv1.RemoveResponse{}, nil
}
