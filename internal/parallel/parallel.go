// Package parallel runs independent pieces of work on every CPU while
// their results are consumed in order.
package parallel

import (
	"context"
	"runtime"
	"sync"
)

// chunk is the number of items computed before they are handed on.
const chunk = 512

// Ordered computes work(i) for i in [0, n) on every CPU, a chunk at a
// time, and calls emit(i, result) in order from the calling goroutine, so
// that at most a chunk of results is held at once. It stops early, with
// ctx's error, when ctx is cancelled.
func Ordered[T any](ctx context.Context, n int, work func(int) T, emit func(int, T)) error {
	workers := runtime.GOMAXPROCS(0)
	out := make([]T, min(chunk, n))
	for lo := 0; lo < n; lo += chunk {
		if err := ctx.Err(); err != nil {
			return err
		}
		hi := min(lo+chunk, n)
		var wg sync.WaitGroup
		next := make(chan int, hi-lo)
		for i := lo; i < hi; i++ {
			next <- i
		}
		close(next)
		for range min(workers, hi-lo) {
			wg.Go(func() {
				for i := range next {
					out[i-lo] = work(i)
				}
			})
		}
		wg.Wait()
		for i := lo; i < hi; i++ {
			emit(i, out[i-lo])
			var zero T
			out[i-lo] = zero
		}
	}
	return nil
}
