package usage

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/bilancio-go/bilancio/internal/version"
)

func near(a, b float64) bool { return math.Abs(a-b) < 1e-9 }

// TestAppendReadSum: rows appended in two writes read back identically
// (with the header once), a torn last line is ignored, and the totals weigh
// the durations by the reservations.
func TestAppendReadSum(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, File)
	t0 := time.Date(2026, 11, 28, 10, 0, 0, 0, time.UTC)
	a := Record{SandboxID: "sb-1", Purpose: "stage", Start: t0, End: t0.Add(2 * time.Second), CPU: 1, MemoryMiB: 2048, Cost: 0.0001, Currency: "USD"}
	b := Record{SandboxID: "sb-2", Purpose: "runs", Start: t0.Add(time.Second), End: t0.Add(11 * time.Second), CPU: 2, MemoryMiB: 1024, GPU: "T4:2", Runs: 3, Cost: 0.002, Currency: "USD"}
	if err := Append(path, []Record{a}); err != nil {
		t.Fatal(err)
	}
	if err := Append(path, []Record{b}); err != nil {
		t.Fatal(err)
	}
	raw, _ := os.ReadFile(path)
	if n := strings.Count(string(raw), "sandbox_id,"); n != 1 {
		t.Fatalf("header appears %d times:\n%s", n, raw)
	}
	// A write cut short.
	if err := os.WriteFile(path, append(raw, []byte("sb-3,runs,2026-11-28T10:00")...), 0o644); err != nil {
		t.Fatal(err)
	}
	got, err := Read(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].SandboxID != "sb-1" || got[1].GPU != "T4:2" || got[1].Runs != 3 || !got[1].End.Equal(b.End) {
		t.Fatalf("read %+v", got)
	}
	if got[0].Seconds != 2 || got[1].Seconds != 10 {
		t.Errorf("durations %v, %v; want 2, 10", got[0].Seconds, got[1].Seconds)
	}
	tot := Sum(got)
	if tot.Sandboxes != 2 || tot.Runs != 3 || !near(tot.SandboxSeconds, 12) || !near(tot.CoreSeconds, 2+20) ||
		!near(tot.GiBSeconds, 4+10) || !near(tot.GPUSeconds, 20) || !near(tot.Cost, 0.0021) || tot.Currency != "USD" ||
		!tot.First.Equal(t0) || !tot.Last.Equal(b.End) {
		t.Errorf("totals %+v", tot)
	}

	// A malformed row that is not the last one is an error.
	bad := strings.Replace(string(raw), "sb-1,stage", "sb-1,stage,extra", 1) + "x"
	if err := os.WriteFile(path, []byte(bad+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Read(path); err == nil {
		t.Error("a malformed row was accepted")
	}
}

// TestSummaryAndScan: the summary totals an experiment's usage by purpose;
// Scan lists the experiments' records by start time, -since filtering.
func TestSummaryAndScan(t *testing.T) {
	out := t.TempDir()
	now := time.Now().UTC()
	for i, exp := range []string{"exp_a", "exp_b", "exp_none"} {
		dir := filepath.Join(out, exp)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		if exp == "exp_none" {
			continue
		}
		start := now.Add(-time.Duration(i*48) * time.Hour)
		recs := []Record{
			{SandboxID: exp + "-stage", Purpose: "stage", Start: start, End: start.Add(time.Second), CPU: 1, MemoryMiB: 1024, Cost: 0.5, Currency: "USD"},
			{SandboxID: exp + "-runs", Purpose: "runs", Start: start.Add(time.Second), End: start.Add(4 * time.Second), CPU: 1, MemoryMiB: 1024, Runs: 2, Cost: 1.5, Currency: "USD"},
		}
		if err := Append(filepath.Join(dir, File), recs); err != nil {
			t.Fatal(err)
		}
		if err := WriteSummary(dir, exp); err != nil {
			t.Fatal(err)
		}
	}
	s, err := ReadSummary(filepath.Join(out, "exp_a"))
	if err != nil {
		t.Fatal(err)
	}
	if s.ExperimentID != "exp_a" || s.Bilancio != version.Version() || s.Sandboxes != 2 || !near(s.SandboxSeconds, 4) || !near(s.Cost, 2) ||
		s.ByPurpose["runs"].Runs != 2 || !near(s.ByPurpose["stage"].SandboxSeconds, 1) {
		t.Errorf("summary %+v", s)
	}
	if err := WriteSummary(filepath.Join(out, "exp_none"), "exp_none"); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(out, "exp_none", SummaryFile)); err == nil {
		t.Error("a summary was written without usage")
	}

	all, err := Scan(out, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 4 || all[0].Experiment != "exp_b" || all[3].Experiment != "exp_a" {
		t.Fatalf("scan: %+v", all)
	}
	recent, err := Scan(out, now.Add(-24*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if len(recent) != 2 || recent[0].Experiment != "exp_a" {
		t.Fatalf("scan since 24h: %+v", recent)
	}
}

// TestAppendOncePerSandbox: usage.csv has one row per sandbox: a record of
// a sandbox already in the file, or twice in one call, is dropped (an
// executor may report a sandbox again from a record it left on remote
// storage, in case its first report was lost), and the first one stays.
func TestAppendOncePerSandbox(t *testing.T) {
	path := filepath.Join(t.TempDir(), File)
	t0 := time.Date(2026, 12, 8, 3, 0, 0, 0, time.UTC)
	rec := func(id string, secs int) Record {
		return Record{SandboxID: id, Purpose: "runs", Start: t0, End: t0.Add(time.Duration(secs) * time.Second), CPU: 1, MemoryMiB: 2048, Runs: 2, Cost: 0.001, Currency: "USD"}
	}
	if err := Append(path, []Record{rec("sb-1", 5), rec("sb-2", 6), rec("sb-2", 7)}); err != nil {
		t.Fatal(err)
	}
	if err := Append(path, []Record{rec("sb-1", 9), rec("sb-3", 8)}); err != nil {
		t.Fatal(err)
	}
	if err := Append(path, []Record{rec("sb-3", 1)}); err != nil {
		t.Fatal(err)
	}
	got, err := Read(path)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, r := range got {
		ids = append(ids, fmt.Sprintf("%s:%g", r.SandboxID, r.Seconds))
	}
	if want := "sb-1:5 sb-2:6 sb-3:8"; strings.Join(ids, " ") != want {
		t.Errorf("usage.csv holds %v, want %s", ids, want)
	}
}
