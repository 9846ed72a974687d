package volume

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/bilancio-go/bilancio/sdk"
)

// workersPrefix is the storage prefix of the staged workers' folders.
const workersPrefix = sdk.StagedWorkersDir + "/"

// StaleExperiments returns, sorted, the top-level folders of entries
// (other than the executor's bookkeeping folder) whose newest entry is
// older than cutoff.
func StaleExperiments(entries []sdk.Entry, cutoff time.Time) []string {
	newest := map[string]time.Time{}
	for _, e := range entries {
		top, _, _ := strings.Cut(e.Path, "/")
		if top == sdk.BookkeepingDir || (top == e.Path && !e.IsDir) {
			continue
		}
		if e.ModTime.After(newest[top]) {
			newest[top] = e.ModTime
		}
	}
	var stale []string
	for top, t := range newest {
		if t.Before(cutoff) {
			stale = append(stale, top)
		}
	}
	sort.Strings(stale)
	return stale
}

// RemoveExperiments removes (unless dryRun) every experiment of ex's
// storage in which nothing was modified since cutoff, calling done with
// each one removed (or that would be).
func RemoveExperiments(ctx context.Context, ex sdk.Executor, cutoff time.Time, dryRun bool, done func(exp string)) error {
	entries, err := ex.List(ctx, &sdk.ListRequest{})
	if err != nil {
		return fmt.Errorf("listing the volume: %w", err)
	}
	for _, exp := range StaleExperiments(entries, cutoff) {
		if !dryRun {
			if err := ex.Remove(ctx, &sdk.RemoveRequest{Path: exp, Recursive: true}); err != nil {
				return fmt.Errorf("removing the experiment %s: %w", exp, err)
			}
		}
		done(exp)
	}
	return nil
}

// StaleWorker is an entry directly under sdk.StagedWorkersDir to remove,
// with the bytes under it.
type StaleWorker struct {
	Path  string
	IsDir bool
	Size  int64
}

// StaleWorkers returns, sorted, the entries directly under
// sdk.StagedWorkersDir (staged worker folders, or anything else left
// there) whose name is not in keep, with the total size of the files under
// each.
func StaleWorkers(entries []sdk.Entry, keep map[string]bool) []StaleWorker {
	byName := map[string]*StaleWorker{}
	for _, e := range entries {
		rest, ok := strings.CutPrefix(e.Path, workersPrefix)
		if !ok || rest == "" {
			continue
		}
		name, _, nested := strings.Cut(rest, "/")
		if keep[name] {
			continue
		}
		w := byName[name]
		if w == nil {
			w = &StaleWorker{Path: workersPrefix + name}
			byName[name] = w
		}
		if !nested {
			w.IsDir = e.IsDir
		}
		if !e.IsDir {
			w.Size += e.Size
		}
	}
	out := make([]StaleWorker, 0, len(byName))
	for _, w := range byName {
		out = append(out, *w)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out
}

// KeptWorkers returns the sha256 sums of the staged workers to keep: those
// of the comma-separated list keep (case-insensitive), else the one own
// returns (this bilancio binary's).
func KeptWorkers(keep string, own func() (string, error)) (map[string]bool, error) {
	kept := map[string]bool{}
	for s := range strings.SplitSeq(keep, ",") {
		if s = strings.TrimSpace(s); s != "" {
			kept[strings.ToLower(s)] = true
		}
	}
	if len(kept) > 0 {
		return kept, nil
	}
	sha, err := own()
	if err != nil {
		return nil, fmt.Errorf("finding the worker this bilancio stages (name the ones to keep with -keep): %w", err)
	}
	kept[sha] = true
	return kept, nil
}

// RemoveWorkers removes (unless dryRun) the staged workers of ex's storage
// not in kept, calling done with each one removed (or that would be); it
// returns how many there were.
func RemoveWorkers(ctx context.Context, ex sdk.Executor, kept map[string]bool, dryRun bool, done func(StaleWorker)) (int, error) {
	entries, err := ex.List(ctx, &sdk.ListRequest{Prefix: workersPrefix})
	if err != nil {
		return 0, fmt.Errorf("listing the staged workers: %w", err)
	}
	stale := StaleWorkers(entries, kept)
	for _, w := range stale {
		if !dryRun {
			if err := ex.Remove(ctx, &sdk.RemoveRequest{Path: w.Path, Recursive: w.IsDir}); err != nil {
				return 0, fmt.Errorf("removing the staged worker %s: %w", w.Path, err)
			}
		}
		done(w)
	}
	return len(stale), nil
}
