package modal

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	modalsdk "github.com/modal-labs/modal-client/go"

	"github.com/bilancio-go/bilancio/sdk"
)

// manifestInSandbox is where a chunk sandbox keeps its manifest (the
// script's working folder is /tmp).
const manifestInSandbox = "/tmp/chunk.json"

// remoteChunk is a chunk sandbox found running on Modal by its tags.
type remoteChunk struct {
	sb   *modalsdk.Sandbox
	name string
	runs []sdk.RunSpec
}

// liveChunks lists the experiment's chunk sandboxes running on Modal,
// with the runs of each (read from the sandbox: its manifest). A sandbox
// whose manifest cannot be read (it never received one) is skipped.
func liveChunks(ctx context.Context, s *session, experiment string) ([]remoteChunk, error) {
	it, err := s.client.Sandboxes.List(ctx, &modalsdk.SandboxListParams{
		AppID: s.app.AppID, Tags: map[string]string{tagKind: kindChunk, tagExperiment: experiment},
	})
	if err != nil {
		return nil, fmt.Errorf("listing the experiment's sandboxes: %w", err)
	}
	var sbs []*modalsdk.Sandbox
	for sb, err := range it {
		if err != nil {
			return nil, fmt.Errorf("listing the experiment's sandboxes: %w", err)
		}
		sbs = append(sbs, sb)
	}
	out := make([]remoteChunk, len(sbs))
	var wg sync.WaitGroup
	for i, sb := range sbs {
		wg.Go(func() {
			tags, err := sb.GetTags(ctx, nil)
			if err == nil {
				var raw []byte
				if raw, err = sb.Filesystem.ReadBytes(ctx, manifestInSandbox, nil); err == nil {
					var m sdk.WorkerManifest
					if err = json.Unmarshal(raw, &m); err == nil {
						out[i] = remoteChunk{sb: sb, name: tags[tagChunk], runs: m.Runs}
						return
					}
				}
			}
			// It ended since the listing (or never got its manifest): wait
			// a little for its end, so that its volume writes are
			// committed before the caller mounts the volume.
			settle(ctx, sb)
		})
	}
	wg.Wait()
	return slices.DeleteFunc(out, func(c remoteChunk) bool { return c.sb == nil }), nil
}

// settleTimeout bounds the wait for a sandbox that is ending.
const settleTimeout = 10 * time.Second

// settle waits, at most settleTimeout, for a sandbox to end.
func settle(ctx context.Context, sb *modalsdk.Sandbox) {
	deadline := time.Now().Add(settleTimeout)
	for time.Now().Before(deadline) {
		if code, err := sb.Poll(ctx, nil); err != nil || code != nil {
			return
		}
		if !sleep(ctx, 100*time.Millisecond) {
			return
		}
	}
}

// found is a chunk of the batch found running, with those of its runs
// already finished in the sandbox.
type found struct {
	live *live
	done []string
}

// findLive finds the chunks of the experiment running on Modal that hold
// runs of the batch (re-attach): they are followed instead of started
// again. Only the batch's runs of each are followed (the others ended
// before this batch).
func (b *batchRun) findLive(ctx context.Context) ([]found, error) {
	chunks, err := liveChunks(ctx, b.sess, b.batch.ExperimentID)
	if err != nil {
		return nil, err
	}
	want := map[string]sdk.RunSpec{}
	for _, r := range b.batch.Runs {
		want[r.RunID] = r
	}
	expDir := path.Join(mountPath, b.batch.ExperimentID)
	var out []found
	for _, rc := range chunks {
		c := &chunk{name: rc.name, attempt: 1}
		for _, r := range rc.runs {
			if spec, ok := want[r.RunID]; ok {
				c.runs = append(c.runs, spec)
				delete(want, r.RunID)
			}
		}
		if len(c.runs) == 0 {
			continue
		}
		// It lingers for this process now, as long as one it started
		// would (a detached chunk would end as soon as its worker is done).
		if _, err := run(ctx, rc.sb, "sh", "-c", `echo "$1" > linger`, "sh", strconv.Itoa(int(b.sess.cfg.Linger))); err != nil {
			b.exec.logger.Warn("setting a running sandbox's linger", "sandbox", rc.sb.SandboxID, "error", err)
		}
		done, _, err := doneRuns(ctx, rc.sb, path.Join(expDir, "runs"), c.ids())
		if err != nil {
			b.exec.logger.Warn("listing the finished runs of a running sandbox", "sandbox", rc.sb.SandboxID, "error", err)
		}
		x := &box{Sandbox: rc.sb, s: b.sess, start: time.Now(), purpose: purposeRuns, runs: len(rc.runs), onEnd: b.addUsage, attached: true}
		b.exec.logger.Info("re-attached to a running sandbox", "sandbox", rc.sb.SandboxID, "chunk", rc.name, "runs", len(c.runs), "finished", len(done))
		out = append(out, found{live: &live{box: x, chunk: c, expDir: expDir}, done: done})
	}
	return out, nil
}

// cancelRemote terminates every sandbox of the experiment running on
// Modal, found by its tags: it works from any process. Each chunk
// sandbox first writes its usage record to the volume (sealScript), so
// that the sweep's next Execute records it.
func (e *Executor) cancelRemote(ctx context.Context, experiment string) error {
	s, err := e.connect(ctx)
	if err != nil {
		return err
	}
	defer s.close()
	it, err := s.client.Sandboxes.List(ctx, &modalsdk.SandboxListParams{AppID: s.app.AppID, Tags: map[string]string{tagExperiment: experiment}})
	if err != nil {
		return fmt.Errorf("listing the experiment's sandboxes: %w", err)
	}
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		errs []error
	)
	for sb, err := range it {
		if err != nil {
			return fmt.Errorf("listing the experiment's sandboxes: %w", err)
		}
		wg.Go(func() {
			// A chunk sandbox writes its usage record first, for the next
			// Execute to record (sealScript); other sandboxes have none.
			sctx, cancel := context.WithTimeout(ctx, 10*time.Second)
			_, _ = run(sctx, sb, "sh", "-c", sealScript)
			cancel()
			if _, err := sb.Terminate(ctx, &modalsdk.SandboxTerminateParams{Wait: true}); err != nil {
				mu.Lock()
				errs = append(errs, fmt.Errorf("terminating sandbox %s: %w", sb.SandboxID, err))
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	return errors.Join(errs...)
}

// unitState is a chunk's state as remote status reports it.
type unitState string

const (
	unitRunning   unitState = "running"
	unitFinished  unitState = "finished"
	unitFailed    unitState = "failed"
	unitCancelled unitState = "cancelled"
)

// unit is one chunk of an experiment as Modal and the volume know it.
type unit struct {
	ID, Name string
	State    unitState
	Reason   string
	RunIDs   []string
	Started  time.Time
	Ended    time.Time
}

// chunksScript prints each chunk record of the experiment: "json NAME
// manifest", "start NAME record", "end NAME record" (its worker's end) and
// "exit NAME record" (its usage record, counted or not) lines.
const chunksScript = `cd "$1" 2>/dev/null || exit 0
for f in *.json; do [ -f "$f" ] && printf 'json\t%s\t%s\n' "${f%.json}" "$(tr -d '\n' < "$f")"; done
for f in *.start; do [ -f "$f" ] && printf 'start\t%s\t%s\n' "${f%.start}" "$(cat "$f")"; done
for f in *.end; do [ -f "$f" ] && printf 'end\t%s\t%s\n' "${f%.end}" "$(cat "$f")"; done
for f in *.exit *.exit.done; do [ -f "$f" ] || continue; n=${f%.done}; printf 'exit\t%s\t%s\n' "${n%.exit}" "$(cat "$f")"; done
exit 0`

// remoteUnits reports the experiment's chunks: those running on Modal
// (tags), and those that ended, from their records in the volume: finished
// when the worker exited 0 or 2 (some runs failed), failed otherwise, or
// without a record (the sandbox crashed, timed out or was terminated
// before its worker was done).
func (e *Executor) remoteUnits(ctx context.Context, experiment string) ([]unit, error) {
	s, err := e.connect(ctx)
	if err != nil {
		return nil, err
	}
	defer s.close()
	running, err := liveChunks(ctx, s, experiment)
	if err != nil {
		return nil, err
	}
	units := map[string]*unit{}
	for _, rc := range running {
		u := &unit{ID: rc.sb.SandboxID, Name: rc.name, State: unitRunning}
		for _, r := range rc.runs {
			u.RunIDs = append(u.RunIDs, r.RunID)
		}
		units[rc.name] = u
	}
	var out []byte
	err = e.withReader(ctx, true, func(sb *modalsdk.Sandbox) error {
		var err error
		out, _, err = output(ctx, sb, "sh", "-c", chunksScript, "sh", path.Join(mountPath, experiment, "chunks"))
		return err
	})
	if err != nil {
		return nil, err
	}
	for line := range strings.SplitSeq(string(out), "\n") {
		kind, rest, _ := strings.Cut(line, "\t")
		name, rec, _ := strings.Cut(rest, "\t")
		if name == "" || units[name] != nil && units[name].State == unitRunning {
			continue
		}
		u := units[name]
		if u == nil {
			u = &unit{Name: name, State: unitFailed, Reason: "ended without a record: its sandbox crashed, timed out or was terminated before its worker was done"}
			units[name] = u
		}
		switch kind {
		case "json":
			var m sdk.WorkerManifest
			if json.Unmarshal([]byte(rec), &m) == nil {
				for _, r := range m.Runs {
					u.RunIDs = append(u.RunIDs, r.RunID)
				}
			}
		case "start":
			var x chunkExit
			if json.Unmarshal([]byte(rec), &x) == nil {
				if u.ID == "" {
					u.ID = x.Sandbox
				}
				if u.Started.IsZero() {
					u.Started = unixTime(x.Start)
				}
			}
		case "end":
			var x chunkExit
			if json.Unmarshal([]byte(rec), &x) != nil {
				continue
			}
			u.ID, u.Started, u.Ended = x.Sandbox, unixTime(x.Start), unixTime(x.End)
			switch x.Code {
			case 0, workerRunsFailed:
				u.State, u.Reason = unitFinished, "worker exit code "+strconv.Itoa(x.Code)
			default:
				u.State, u.Reason = unitFailed, "worker exit code "+strconv.Itoa(x.Code)
			}
		case "exit":
			// A usage record without the worker's end: the sandbox was
			// cancelled before its worker was done.
			var x chunkExit
			if json.Unmarshal([]byte(rec), &x) != nil || x.Code != -1 {
				continue
			}
			u.ID, u.Started, u.Ended = x.Sandbox, unixTime(x.Start), unixTime(x.End)
			u.State, u.Reason = unitCancelled, "cancelled before its worker was done"
		}
	}
	list := make([]unit, 0, len(units))
	for _, u := range units {
		list = append(list, *u)
	}
	slices.SortFunc(list, func(a, b unit) int { return strings.Compare(a.Name, b.Name) })
	return list, nil
}

// workerRunsFailed is `bilancio worker`'s exit code when some runs failed
// (the others completed).
const workerRunsFailed = 2
