package runner

import (
	"runtime"
	"sync"
	"testing"
)

func TestHeadroomPercent(t *testing.T) {
	for _, c := range []struct {
		live, headroom uint64
		want           int
	}{
		{5 << 20, 128 << 20, 2560},               // a batch of small runs: the heap may grow by 128 MB
		{32 << 20, 128 << 20, BatchGCPercent},    // 4×: BatchGCPercent lets it grow more
		{1 << 30, 128 << 20, BatchGCPercent},     // a big heap keeps BatchGCPercent
		{1 << 10, 128 << 20, maxHeadroomPercent}, // nearly empty: bounded
		{0, 128 << 20, maxHeadroomPercent},       // before any collection
		{64 << 20, 512 << 20, 800},               // as asked
	} {
		if got := headroomPercent(c.live, c.headroom); got != c.want {
			t.Errorf("headroomPercent(%d, %d) = %d, want %d", c.live, c.headroom, got, c.want)
		}
	}
}

// The tuner runs after every collection and sets GOGC only when it
// changes.
func TestGCTunerRunsAfterCollections(t *testing.T) {
	var (
		mu   sync.Mutex
		live = uint64(5 << 20)
		sets []int
	)
	done := make(chan struct{}, 1)
	tu := &gcTuner{headroom: 128 << 20, percent: BatchGCPercent,
		set: func(p int) int {
			mu.Lock()
			defer mu.Unlock()
			sets = append(sets, p)
			return 0
		},
		live: func() uint64 {
			mu.Lock()
			defer mu.Unlock()
			return live
		},
		tuned: func() {
			select {
			case done <- struct{}{}:
			default: // the test has what it needs (the tuner lives on)
			}
		},
	}
	tu.arm()
	// Collect until the tuner has run twice (a cleanup runs after the
	// collection that found its object unreachable, on its own goroutine).
	for seen := 0; seen < 2; {
		runtime.GC()
		select {
		case <-done:
			seen++
			mu.Lock()
			live = 1 << 30 // the next collection finds a big heap
			mu.Unlock()
		default:
			runtime.Gosched()
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if len(sets) < 2 || sets[0] != 2560 || sets[1] != BatchGCPercent {
		t.Errorf("GOGC set to %v, want [2560 %d]", sets, BatchGCPercent)
	}
}
