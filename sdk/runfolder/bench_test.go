//go:build unix

package runfolder

import (
	"fmt"
	"syscall"
	"testing"
	"time"
)

// benchFiles are the files of a sweep's 5-agent ring run, with their usual
// sizes.
var benchFiles = []struct {
	name string
	size int
}{
	{ScenarioFile, 1377}, {"run.html", 15957}, {EventsFile, 4995}, {"out/balances.csv", 626},
	{MetricsCSVFile, 317}, {"out/metrics_ds.csv", 94}, {"out/metrics_intraday.csv", 55}, {"out/metrics.json", 1437},
}

// BenchmarkNewRun writes run folders as a sweep's worker does (Runs.NewRun,
// eight files, the manifest, moved into place) into one runs folder, and
// reports the process's CPU time per run folder (user + system: the file
// system's work is most of it). Set TMPDIR to a tmpfs to leave the disk
// out.
func BenchmarkNewRun(b *testing.B) {
	runs, err := OpenRuns(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	defer runs.Close()
	data := make([][]byte, len(benchFiles))
	for i, f := range benchFiles {
		data[i] = make([]byte, f.size)
		for j := range data[i] {
			data[i][j] = byte('a' + (i+j)%26)
		}
	}
	cpu0 := benchCPU()
	n := 0
	for b.Loop() {
		name := fmt.Sprintf("run_%07d", n)
		n++
		if found, err := runs.Exists(name); err != nil || found {
			b.Fatal(found, err)
		}
		w, err := runs.NewRun(name)
		if err != nil {
			b.Fatal(err)
		}
		for i, f := range benchFiles {
			if err := w.WriteFile(f.name, data[i]); err != nil {
				b.Fatal(err)
			}
		}
		if _, err := w.Commit(&Manifest{RunID: name, Status: StatusCompleted}); err != nil {
			b.Fatal(err)
		}
		w.Close()
	}
	b.ReportMetric(float64(benchCPU()-cpu0)/float64(n), "cpu-ns/op")
}

// benchCPU is this process's CPU time (user and system).
func benchCPU() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
