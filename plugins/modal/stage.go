package modal

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path"
	"slices"
	"strings"
	"sync"
	"time"

	modalsdk "github.com/modal-labs/modal-client/go"

	"github.com/bilancio-go/bilancio/sdk"
	"github.com/bilancio-go/bilancio/sdk/runfolder"
)

// stageTimeout bounds the staging sandbox's life.
const stageTimeout = 30 * time.Minute

// staging is a batch's staging, which the first chunks' sandboxes wait for
// (startChunk).
type staging struct {
	done     chan struct{}
	uploaded bool
	err      error
	// starved is closed when Modal had no place for the staging sandbox
	// (RESOURCE_EXHAUSTED): the spares, which wait for staging, may hold
	// the places it needs; they give them up (enlist) and no new one is
	// created until staging is done (launch).
	starved     chan struct{}
	starvedOnce sync.Once
}

// newStaging returns a staging not yet done.
func newStaging() *staging {
	return &staging{done: make(chan struct{}), starved: make(chan struct{})}
}

// starve records that Modal had no place for the staging sandbox.
func (s *staging) starve() { s.starvedOnce.Do(func() { close(s.starved) }) }

// isStarved reports whether Modal had no place for the staging sandbox.
func (s *staging) isStarved() bool {
	select {
	case <-s.starved:
		return true
	default:
		return false
	}
}

// finish records how staging ended: whether it uploaded the worker, or
// its error.
func (s *staging) finish(uploaded bool, err error) {
	s.uploaded, s.err = uploaded, err
	close(s.done)
}

// ready reports whether staging is done.
func (s *staging) ready() bool {
	select {
	case <-s.done:
		return true
	default:
		return false
	}
}

// errStaging: staging failed while a sandbox waited for it (Execute fails
// the batch's runs with staging's error).
var errStaging = errors.New("staging failed")

// stageAndCollect prepares a batch in one sandbox with the volume mounted:
//
//   - it checks that the worker is in the volume under its sha256, and
//     uploads it (sha256 checked in the sandbox) when it is not;
//   - it collects the runs of rest whose folder is complete in the volume
//     (finished by chunks nobody followed, a detached sweep's or those of a
//     killed bilancio): downloaded and reported completed, never run again;
//   - it records the usage of chunks that ended while nobody followed them
//     (their chunks/NAME.exit records), and marks those records counted.
//
// The sandbox is then terminated and waited for: its writes are committed
// when it ends (modal.com/docs/guide/volumes), so every chunk created after
// this returns mounts a volume that holds the worker, and one created
// before reloads its volumes when this uploaded the worker (uploaded is
// true then: startChunk). A sandbox that nevertheless finds none says so
// (chunkScript) and the batch stops with that error instead of burning
// retries.
func (b *batchRun) stageAndCollect(ctx context.Context, rest []sdk.RunSpec) (uploaded bool, err error) {
	s := b.sess
	bo := backoff{base: time.Second, cap: time.Minute, coef: s.cfg.Backoff}
	for attempt := 1; ; attempt++ {
		up, err := b.stageOnce(ctx, rest)
		uploaded = uploaded || up
		if err == nil {
			return uploaded, nil
		}
		switch classify(err) {
		case classExhausted:
			attempt--
			b.staging.starve()
		case classTransient:
			if attempt > int(s.cfg.Retries) {
				return uploaded, fmt.Errorf("staging the worker binary (%d attempts): %w", attempt, err)
			}
		default:
			return uploaded, fmt.Errorf("staging the worker binary: %w", err)
		}
		if !sleep(ctx, bo.next()) {
			return uploaded, ctx.Err()
		}
	}
}

// stageOnce is one attempt of stageAndCollect; uploaded: it uploaded the
// worker.
func (b *batchRun) stageOnce(ctx context.Context, rest []sdk.RunSpec) (uploaded bool, err error) {
	s, w := b.sess, b.batch.Worker
	params := s.sandboxParams(stageTimeout, map[string]string{tagKind: kindStage, tagExperiment: b.batch.ExperimentID}, false)
	x, err := s.create(ctx, params, purposeStage, 0, b.addUsage)
	if err != nil {
		return false, err
	}
	defer x.terminate()
	dst := stagedWorker(w.SHA256)
	b.exec.mu.Lock()
	known := b.exec.staged[w.SHA256]
	b.exec.mu.Unlock()
	if !known {
		code, err := run(ctx, x.Sandbox, "test", "-x", dst)
		switch {
		case code < 0:
			return false, err
		case code != 0:
			if _, err := run(ctx, x.Sandbox, "mkdir", "-p", path.Dir(dst)); err != nil {
				return false, err
			}
			if err := uploadWorker(ctx, x.Sandbox, w, dst); err != nil {
				return false, err
			}
			uploaded = true
		}
	}
	expDir := path.Join(mountPath, b.batch.ExperimentID)
	if err := b.collect(ctx, x.Sandbox, expDir, rest); err != nil {
		return uploaded, err
	}
	b.recordDetachedUsage(ctx, x.Sandbox, expDir)
	// Terminate with Wait: the upload is committed when this returns.
	if code := x.terminate(); code < 0 {
		return uploaded, fmt.Errorf("staging sandbox %s did not end cleanly", x.SandboxID)
	}
	b.exec.mu.Lock()
	b.exec.staged[w.SHA256] = true
	b.exec.mu.Unlock()
	return uploaded, nil
}

// listDoneScript prints, one per line, the complete runs under $1: the
// run archives (<id>.tar, written whole once complete) and, from earlier
// versions, the run folders that hold a manifest.json.
const listDoneScript = `test -d "$1" || exit 0; exec find "$1" -mindepth 1 -maxdepth 2 \( -path "$1/*/manifest.json" -o -path "$1/*.tar" \) -printf '%P\n'`

// doneRuns returns which of ids are complete under runsDir in the
// sandbox's view of the volume, and which of those are archives.
func doneRuns(ctx context.Context, sb *modalsdk.Sandbox, runsDir string, ids []string) (done []string, archived map[string]bool, err error) {
	out, _, err := output(ctx, sb, "sh", "-c", listDoneScript, "sh", runsDir)
	if err != nil {
		return nil, nil, fmt.Errorf("listing finished runs: %w", err)
	}
	want := map[string]bool{}
	for _, id := range ids {
		want[id] = true
	}
	archived = map[string]bool{}
	for line := range strings.SplitSeq(strings.TrimSpace(string(out)), "\n") {
		if id, ok := strings.CutSuffix(line, runfolder.ArchiveSuffix); ok && !strings.Contains(id, "/") {
			if want[id] {
				done = append(done, id)
				archived[id] = true
			}
		} else if id, ok := strings.CutSuffix(line, "/"+runfolder.ManifestFile); ok && want[id] {
			done = append(done, id)
		}
	}
	slices.Sort(done)
	return slices.Compact(done), archived, nil
}

// collect downloads the runs of rest already complete in the volume and
// reports them completed.
func (b *batchRun) collect(ctx context.Context, sb *modalsdk.Sandbox, expDir string, rest []sdk.RunSpec) error {
	if len(rest) == 0 {
		return nil
	}
	ids := make([]string, len(rest))
	for i, r := range rest {
		ids[i] = r.RunID
	}
	done, archived, err := doneRuns(ctx, sb, path.Join(expDir, "runs"), ids)
	if err != nil {
		return err
	}
	// Archives and folders go in separate downloads.
	var folders []string
	done = slices.DeleteFunc(done, func(id string) bool {
		if !archived[id] {
			folders = append(folders, id)
		}
		return !archived[id]
	})
	for _, kind := range []struct {
		ids      []string
		archived bool
	}{{done, true}, {folders, false}} {
		for ids := range slices.Chunk(kind.ids, maxGroup) {
			sealed, errs := downloadRuns(ctx, sb, path.Join(expDir, "runs"), ids, b.batch.OutRoot, kind.archived)
			for _, id := range ids {
				if errs[id] != nil {
					// Left to run again.
					b.exec.logger.Warn("a finished run in the volume could not be collected", "run", id, "error", errs[id])
					continue
				}
				b.sendCompleted(sdk.RunEvent{RunID: id, Type: sdk.EventCompleted, Attempt: 1, Result: resultOf(id, sealed[id]),
					Message: "collected from the volume (it finished while bilancio was away)"})
			}
		}
	}
	return nil
}

// resultOf is the result of a run from its sealed folder.
func resultOf(id string, f *runfolder.Sealed) *sdk.RunResult {
	m := f.Manifest
	return &sdk.RunResult{
		RunID: id, Dir: f.Dir, Executor: Name, ManifestSHA256: f.SHA256, Fingerprint: f.Fingerprint,
		StopReason: m.StopReason, DaysSimulated: m.DaysSimulated, Defaults: m.Defaults,
		PhiTotal: m.PhiTotal, DeltaTotal: m.DeltaTotal, TimeToStability: m.TimeToStability, DurationMS: m.DurationMS,
	}
}

// exitsScript prints every chunk end record not yet counted (NAME.exit)
// under $1 as "NAME<TAB>record" lines, then marks them counted.
const exitsScript = `cd "$1" 2>/dev/null || exit 0
for f in *.exit; do
  [ -f "$f" ] || continue
  printf '%s\t%s\n' "${f%.exit}" "$(cat "$f")"
  mv "$f" "$f.done"
done`

// recordDetachedUsage records the usage of the experiment's chunks that
// ended while nobody followed them, from their end records (their
// lifetime is the worker's, which the script timed).
func (b *batchRun) recordDetachedUsage(ctx context.Context, sb *modalsdk.Sandbox, expDir string) {
	out, _, err := output(ctx, sb, "sh", "-c", exitsScript, "sh", path.Join(expDir, "chunks"))
	if err != nil {
		b.exec.logger.Warn("reading chunk records", "error", err)
		return
	}
	for line := range strings.SplitSeq(strings.TrimSpace(string(out)), "\n") {
		name, rec, ok := strings.Cut(line, "\t")
		if !ok {
			continue
		}
		var e chunkExit
		if err := json.Unmarshal([]byte(rec), &e); err != nil || e.Sandbox == "" {
			b.exec.logger.Warn("a chunk's end record is unreadable", "chunk", name)
			continue
		}
		start, end := unixTime(e.Start), unixTime(e.End)
		b.addUsage(b.sess.usage(e.Sandbox, purposeRuns, e.Runs, start, end, e.Use))
	}
}

// unixTime converts seconds since the epoch.
func unixTime(secs float64) time.Time {
	return time.Unix(0, int64(secs*float64(time.Second))).UTC()
}
