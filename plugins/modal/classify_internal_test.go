package modal

import (
	"context"
	"fmt"
	"testing"
	"time"

	modalsdk "github.com/modal-labs/modal-client/go"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// TestClassify: Modal's answers sorted as the executor treats them.
func TestClassify(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want errClass
	}{
		{status.Error(codes.InvalidArgument, "x"), classFatal},
		{status.Error(codes.PermissionDenied, "x"), classFatal},
		{fmt.Errorf("failed to get auth token: %w", status.Error(codes.Unauthenticated, "x")), classFatal},
		{status.Error(codes.NotFound, "x"), classFatal},
		{modalsdk.InvalidError{Exception: "x"}, classFatal},
		{modalsdk.NotFoundError{Exception: "x"}, classFatal},
		{fmt.Errorf("creating: %w", status.Error(codes.ResourceExhausted, "x")), classExhausted},
		{modalsdk.ResourceExhaustedError{Exception: "Insufficient capacity to create sandbox."}, classExhausted},
		{status.Error(codes.Unavailable, "x"), classTransient},
		{status.Error(codes.Internal, "x"), classTransient},
		{status.Error(codes.DeadlineExceeded, "x"), classTransient},
		{fmt.Errorf("some: %w", context.Canceled), classCancelled},
	} {
		if got := classify(tc.err); got != tc.want {
			t.Errorf("classify(%v) = %v, want %v", tc.err, got, tc.want)
		}
	}
}

// TestBackoffJitter: waits grow with the coefficient up to the cap, and
// are spread (full jitter), so that chunks that failed together do not
// retry in lockstep.
func TestBackoffJitter(t *testing.T) {
	seen := map[time.Duration]bool{}
	for range 50 {
		b := backoff{base: time.Second, cap: 8 * time.Second, coef: 2, n: 5}
		d := b.next()
		if d < 0 || d > 8*time.Second {
			t.Fatalf("wait %v outside [0, 8s]", d)
		}
		seen[d] = true
	}
	if len(seen) < 40 {
		t.Errorf("only %d distinct waits in 50: no jitter", len(seen))
	}
}

// TestLimiter: the limit halves on exhaustion (not below one) and grows
// back by one per sandbox that starts.
func TestLimiter(t *testing.T) {
	l := newLimiter(8)
	l.exhausted()
	l.exhausted()
	if l.limit != 2 {
		t.Fatalf("limit %d after two exhaustions, want 2", l.limit)
	}
	l.exhausted()
	l.exhausted()
	if l.limit != 1 || l.lowest != 1 {
		t.Fatalf("limit %d lowest %d, want 1", l.limit, l.lowest)
	}
	ctx := context.Background()
	if err := l.acquire(ctx); err != nil {
		t.Fatal(err)
	}
	short, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	if err := l.acquire(short); err == nil {
		t.Fatal("a second place under a limit of one")
	}
	l.started()
	if err := l.acquire(ctx); err != nil {
		t.Fatalf("after a start the limit is 2: %v", err)
	}
}
