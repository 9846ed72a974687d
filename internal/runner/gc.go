package runner

import (
	"os"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
)

// BatchGCPercent is the garbage collector's target percentage for a process
// that does nothing but execute runs. A run allocates much and keeps little
// (a few MB of live heap for a ring of 100 households), so at Go's default
// of 100 the collector runs very often: measured on batches of such rings,
// it took 7-11% of the CPU at 100, 4.5-5% at 200 and about 2% at 400, for
// a heap about 2.5 times bigger.
const BatchGCPercent = 400

// TuneGC sets the garbage collector of the current process to
// BatchGCPercent, unless the GOGC environment variable chooses otherwise.
// It is for the main function of a process that only executes runs (the
// local executor plugin, `bilancio worker`), not for library code.
func TuneGC() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(BatchGCPercent)
	}
}

// GCHeadroom is how much the local executor plugin's heap may grow between
// collections at least (KeepGCHeadroom). A batch of small runs keeps about
// 5 MB live, so at BatchGCPercent alone the plugin collected every ~25 MB
// allocated: 70 collections in a 13,500-run sweep of 5-agent rings, their
// marking ≈ 0.5 s of the sweep's ≈ 7.5 s of CPU; with this headroom, 16
// collections and ≈ 0.1–0.2 s, for a heap of ≈ 130 MB instead of ≈ 37 MB.
const GCHeadroom = 128 << 20

// KeepGCHeadroom lets the heap of the current process grow by at least
// headroom bytes between collections: after each collection, GOGC becomes
// the larger of BatchGCPercent and what lets the live heap grow by
// headroom. A process with a small live heap collects far less often, for
// at most headroom bytes more; one with a large live heap keeps
// BatchGCPercent. It does nothing when the GOGC environment variable is
// set (GOMEMLIMIT still bounds the heap). It is for the main function of
// the local executor plugin, after TuneGC.
func KeepGCHeadroom(headroom uint64) {
	if os.Getenv("GOGC") != "" || headroom == 0 {
		return
	}
	t := &gcTuner{headroom: headroom, percent: BatchGCPercent, set: debug.SetGCPercent, live: liveHeap}
	t.arm()
}

// gcTuner sets GOGC after each collection from the live heap.
type gcTuner struct {
	headroom uint64
	// percent is the GOGC last set.
	percent int
	set     func(int) int
	live    func() uint64
	// tuned is called after each tuning (tests).
	tuned func()
}

// gcSentinel is an object made to be collected: its cleanup runs once per
// collection, and arms the next one.
type gcSentinel struct{ _ *byte }

// arm makes the tuner run after the next collection.
func (t *gcTuner) arm() {
	runtime.AddCleanup(new(gcSentinel), func(t *gcTuner) {
		t.tune()
		t.arm()
	}, t)
}

// tune sets GOGC for the live heap now.
func (t *gcTuner) tune() {
	if p := headroomPercent(t.live(), t.headroom); p != t.percent {
		t.set(p)
		t.percent = p
	}
	if t.tuned != nil {
		t.tuned()
	}
}

// maxHeadroomPercent bounds GOGC for a nearly empty heap.
const maxHeadroomPercent = 100_000

// headroomPercent is the GOGC that lets a live heap of live bytes grow by
// headroom bytes before the next collection, at least BatchGCPercent.
func headroomPercent(live, headroom uint64) int {
	if live == 0 {
		return maxHeadroomPercent
	}
	p := headroom * 100 / live
	switch {
	case p < BatchGCPercent:
		return BatchGCPercent
	case p > maxHeadroomPercent:
		return maxHeadroomPercent
	}
	return int(p)
}

// liveHeap is the heap the last collection found live.
func liveHeap() uint64 {
	s := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	metrics.Read(s)
	if s[0].Value.Kind() != metrics.KindUint64 {
		return 0
	}
	return s[0].Value.Uint64()
}
