package modalemu

import (
	"context"
	"slices"
	"sync"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// capacity is the emulated cluster's room for sandboxes: at most limit run
// at once (0: no limit); the others wait in a first-come queue.
type capacity struct {
	mu      sync.Mutex
	limit   int
	used    int
	peak    int
	waiters []*waiter
}

// waiter is a sandbox in the queue.
type waiter struct {
	sb        *sandbox
	ch        chan struct{} // closed when granted or cancelled
	granted   bool
	cancelled bool
}

func (c *capacity) init(limit int) { c.limit = limit }

// acquire takes a slot for sb, waiting at most wait (0: until ctx or stop
// ends). Past the wait it fails with RESOURCE_EXHAUSTED; when sb is
// terminated while queued, with ABORTED.
func (c *capacity) acquire(ctx context.Context, stop context.Context, sb *sandbox, wait time.Duration) error {
	c.mu.Lock()
	if c.limit == 0 || (c.used < c.limit && len(c.waiters) == 0) {
		c.takeLocked()
		c.mu.Unlock()
		return nil
	}
	w := &waiter{sb: sb, ch: make(chan struct{})}
	c.waiters = append(c.waiters, w)
	running := c.used
	c.mu.Unlock()
	var expired <-chan time.Time
	if wait > 0 {
		t := time.NewTimer(wait)
		defer t.Stop()
		expired = t.C
	}
	var err error
	select {
	case <-w.ch:
	case <-expired:
		err = status.Errorf(codes.ResourceExhausted, "no capacity to schedule the sandbox within %s: %d sandboxes are running, the limit is %d", wait, running, c.limit)
	case <-ctx.Done():
		err = status.FromContextError(ctx.Err()).Err()
	case <-stop.Done():
		err = status.Error(codes.Unavailable, "modalemu: shutting down")
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	switch {
	case w.granted:
		return nil
	case w.cancelled:
		return status.Errorf(codes.Aborted, "sandbox %s was terminated before it was scheduled", sb.id)
	}
	c.removeLocked(w)
	return err
}

func (c *capacity) takeLocked() {
	c.used++
	c.peak = max(c.peak, c.used)
}

// removeLocked drops a waiter from the queue.
func (c *capacity) removeLocked(w *waiter) {
	if i := slices.Index(c.waiters, w); i >= 0 {
		c.waiters = slices.Delete(c.waiters, i, i+1)
	}
}

// release frees a slot and hands it to the first sandbox waiting.
func (c *capacity) release() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.used--
	if len(c.waiters) > 0 && (c.limit == 0 || c.used < c.limit) {
		w := c.waiters[0]
		c.waiters = c.waiters[1:]
		c.takeLocked()
		w.granted = true
		close(w.ch)
	}
}

// cancel takes sb out of the queue (it was terminated while waiting).
func (c *capacity) cancel(sb *sandbox) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, w := range c.waiters {
		if w.sb == sb {
			c.removeLocked(w)
			w.cancelled = true
			close(w.ch)
			return
		}
	}
}

// PeakSandboxes is the most sandboxes that ran at once.
func (s *Server) PeakSandboxes() int {
	s.capacity.mu.Lock()
	defer s.capacity.mu.Unlock()
	return s.capacity.peak
}
