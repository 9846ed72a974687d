package modal

import (
	"context"
	"errors"
	"math/rand/v2"
	"sync"
	"time"

	modalsdk "github.com/modal-labs/modal-client/go"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// errClass is what an error from Modal means for the executor.
type errClass int

const (
	// classFatal: retrying cannot help (invalid request, permission,
	// authentication, a missing object): fail fast, start nothing more.
	classFatal errClass = iota
	// classExhausted: Modal has no capacity now: back off with jitter and
	// run fewer sandboxes at once; it costs no retry of the runs.
	classExhausted
	// classTransient: the service or the network had a problem (after the
	// SDK's own retries): back off with jitter and try again.
	classTransient
	// classCancelled: the caller's context ended.
	classCancelled
)

// classify sorts an error from the SDK. The SDK returns most gRPC
// statuses as they are (spec/modal-v0.11.md §4.3), maps some to its error
// types, and returns ResourceExhaustedError when a V1 create times out
// waiting for capacity (sandbox.go:1428-1431).
func classify(err error) errClass {
	var (
		exhausted modalsdk.ResourceExhaustedError
		invalid   modalsdk.InvalidError
		notFound  modalsdk.NotFoundError
		exists    modalsdk.AlreadyExistsError
		conflict  modalsdk.ConflictError
	)
	var handOver *handOverError
	switch {
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return classCancelled
	case errors.As(err, &handOver):
		return classTransient
	case errors.As(err, &exhausted):
		return classExhausted
	case errors.As(err, &invalid), errors.As(err, &notFound), errors.As(err, &exists):
		return classFatal
	case errors.As(err, &conflict):
		return classTransient
	}
	if st, ok := status.FromError(err); ok {
		switch st.Code() {
		case codes.ResourceExhausted:
			return classExhausted
		case codes.InvalidArgument, codes.PermissionDenied, codes.Unauthenticated, codes.NotFound,
			codes.AlreadyExists, codes.FailedPrecondition, codes.OutOfRange, codes.Unimplemented:
			return classFatal
		case codes.Canceled:
			return classCancelled
		}
	}
	return classTransient
}

// backoff is an exponential backoff with full jitter: the n-th wait is
// uniform in [0, min(cap, base·coef^n)], so that chunks that failed
// together do not retry in lockstep.
type backoff struct {
	base, cap time.Duration
	coef      float64
	n         int
}

// next returns the next wait.
func (b *backoff) next() time.Duration {
	d := float64(b.base)
	for range b.n {
		d *= b.coef
		if d > float64(b.cap) {
			d = float64(b.cap)
			break
		}
	}
	b.n++
	return time.Duration(rand.Float64() * d)
}

// sleep waits d or until ctx is done; it reports whether d elapsed.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// limiter caps the sandboxes in flight. It starts at max and halves when
// Modal reports no capacity (down to one), then grows back by one per
// sandbox that starts fine: additive increase, multiplicative decrease.
type limiter struct {
	mu      sync.Mutex
	max     int
	limit   int
	running int
	wake    chan struct{}
	// lowest is the smallest limit reached (for tests and the log).
	lowest int
}

func newLimiter(max int) *limiter {
	return &limiter{max: max, limit: max, lowest: max, wake: make(chan struct{})}
}

// acquire waits for room under the limit.
func (l *limiter) acquire(ctx context.Context) error {
	for {
		l.mu.Lock()
		if l.running < l.limit {
			l.running++
			l.mu.Unlock()
			return nil
		}
		wake := l.wake
		l.mu.Unlock()
		select {
		case <-wake:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// force takes a place whatever the limit (a sandbox found running).
func (l *limiter) force() {
	l.mu.Lock()
	l.running++
	l.mu.Unlock()
}

// release gives a place back.
func (l *limiter) release() {
	l.mu.Lock()
	l.running--
	l.notifyLocked()
	l.mu.Unlock()
}

// exhausted halves the limit: Modal has no room for more sandboxes now.
func (l *limiter) exhausted() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.limit = max(1, l.limit/2)
	l.lowest = min(l.lowest, l.limit)
}

// started grows the limit back by one, up to max.
func (l *limiter) started() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.limit < l.max {
		l.limit++
		l.notifyLocked()
	}
}

func (l *limiter) notifyLocked() {
	close(l.wake)
	l.wake = make(chan struct{})
}
