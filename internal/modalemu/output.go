package modalemu

import (
	"context"
	"slices"
	"sync"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// outputLog collects one output stream of a process as numbered chunks, so
// that readers can resume after the last batch index they received, and
// wakes readers when a chunk arrives or the stream ends.
type outputLog struct {
	mu      sync.Mutex
	chunks  [][]byte
	closed  bool
	changed chan struct{} // closed and replaced on every change
}

// newOutputLog returns an empty, open log.
func newOutputLog() *outputLog {
	return &outputLog{changed: make(chan struct{})}
}

// Write appends a copy of p as one chunk; it implements io.Writer for
// exec.Cmd's output copying.
func (l *outputLog) Write(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.chunks = append(l.chunks, slices.Clone(p))
	l.notifyLocked()
	return len(p), nil
}

// Close marks the end of the stream.
func (l *outputLog) Close() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.closed {
		l.closed = true
		l.notifyLocked()
	}
}

// notifyLocked wakes every reader waiting on the current change channel.
func (l *outputLog) notifyLocked() {
	close(l.changed)
	l.changed = make(chan struct{})
}

// since returns the chunks after the first n (chunk i has batch index i+1),
// whether the stream has ended, and a channel closed at the next change.
func (l *outputLog) since(n uint64) (chunks [][]byte, closed bool, changed <-chan struct{}) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if n < uint64(len(l.chunks)) {
		chunks = l.chunks[n:]
	}
	return chunks, l.closed, l.changed
}

// follow sends the chunks after the first `from` with their batch indexes
// until the log ends (ended is true, last is the index of the last chunk),
// timeout elapses, or ctx or stop is done (ended is false; the caller ends
// the stream and the client resumes from its last index).
func (l *outputLog) follow(ctx context.Context, stop <-chan struct{}, from uint64, timeout time.Duration,
	send func(chunk []byte, index uint64) error) (last uint64, ended bool, err error) {
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	next := from
	for {
		chunks, closed, changed := l.since(next)
		for _, c := range chunks {
			next++
			if err := send(c, next); err != nil {
				return next, false, err
			}
		}
		if len(chunks) > 0 {
			continue
		}
		if closed {
			return next, true, nil
		}
		select {
		case <-changed:
		case <-deadline.C:
			return next, false, nil
		case <-ctx.Done():
			return next, false, status.FromContextError(ctx.Err()).Err()
		case <-stop:
			return next, false, status.Error(codes.Unavailable, "emulator is shutting down")
		}
	}
}

// secondsDuration converts a request's timeout in seconds.
func secondsDuration(s float32) time.Duration {
	return time.Duration(float64(s) * float64(time.Second))
}
