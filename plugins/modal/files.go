package modal

import (
	"archive/tar"
	"context"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	modalsdk "github.com/modal-labs/modal-client/go"

	"github.com/bilancio-go/bilancio/sdk"
	"github.com/bilancio-go/bilancio/sdk/runfolder"
)

// run executes a command in a sandbox and waits for it. It returns the exit
// code, and an error naming the code and the end of stderr when it is not 0;
// the code is -1 when the command could not be run or waited for.
func run(ctx context.Context, sb *modalsdk.Sandbox, argv ...string) (int, error) {
	_, code, err := output(ctx, sb, argv...)
	return code, err
}

// output executes a command in a sandbox and returns its standard output
// and exit code; a non-zero exit is an error naming the code and the end of
// stderr, and the code is -1 when the command could not be run.
func output(ctx context.Context, sb *modalsdk.Sandbox, argv ...string) ([]byte, int, error) {
	p, err := sb.Exec(ctx, argv, nil)
	if err != nil {
		return nil, -1, err
	}
	defer p.Stdout.Close()
	defer p.Stderr.Close()
	stderr := make(chan string, 1)
	go func() { stderr <- tail(p.Stderr, 1024) }()
	out, rerr := io.ReadAll(p.Stdout)
	code, err := p.Wait(ctx, nil)
	msg := <-stderr
	switch {
	case err != nil:
		return nil, -1, err
	case rerr != nil:
		return nil, -1, rerr
	case code != 0:
		return out, code, fmt.Errorf("%s exited with code %d: %s", argv[0], code, msg)
	}
	return out, 0, nil
}

// tail reads r to its end and returns at most its last n bytes, trimmed.
func tail(r io.Reader, n int) string {
	var keep []byte
	buf := make([]byte, 4096)
	for {
		k, err := r.Read(buf)
		keep = append(keep, buf[:k]...)
		if len(keep) > n {
			keep = keep[len(keep)-n:]
		}
		if err != nil {
			return strings.TrimSpace(string(keep))
		}
	}
}

// uploadWorker copies the worker binary into the sandbox at dst: the file
// is streamed (Filesystem.CopyFromLocal, CHANGELOG 0.10.0) to a temporary
// name, its sha256 is checked in the sandbox, then it is made executable
// and renamed, so dst is never a partial or corrupt binary.
func uploadWorker(ctx context.Context, sb *modalsdk.Sandbox, w *sdk.WorkerBinary, dst string) error {
	sum, err := runfolder.FileSHA256(w.Path)
	if err != nil {
		return err
	}
	if sum != w.SHA256 {
		return fmt.Errorf("the worker binary %s does not match its sha256 %s", w.Path, w.SHA256)
	}
	tmp := dst + ".tmp-" + sb.SandboxID
	if err := sb.Filesystem.CopyFromLocal(ctx, w.Path, tmp, nil); err != nil {
		return fmt.Errorf("uploading %s: %w", w.Path, err)
	}
	out, _, err := output(ctx, sb, "sha256sum", tmp)
	if err != nil {
		return fmt.Errorf("checking the uploaded worker: %w", err)
	}
	if got, _, _ := strings.Cut(string(out), " "); got != w.SHA256 {
		return fmt.Errorf("the uploaded worker's sha256 is %s, not %s", got, w.SHA256)
	}
	if _, err := run(ctx, sb, "chmod", "+x", tmp); err != nil {
		return err
	}
	_, err = run(ctx, sb, "mv", tmp, dst)
	return err
}

// maxGroup caps the runs downloaded by one tar exec.
const maxGroup = 32

// downloadRuns copies completed runs from the sandbox to localRoot/<id> in
// one round trip: `tar -cf -` of the runs runs in the sandbox and its
// output is unpacked here as it streams, into a runfolder.Receiver per
// run, which hashes each file as it is written. A run is the archive
// remoteDir/<id>.tar when archived (what the worker writes with -archive:
// runfolder.CreateArchive), else the folder remoteDir/<id> (runs written
// by earlier versions). Only regular files and folders are taken, every
// name inside one of the runs. For each run, the files its manifest does
// not list are dropped, the manifest is checked against what arrived and
// written last. It returns each run's sealed folder, or its error.
func downloadRuns(ctx context.Context, sb *modalsdk.Sandbox, remoteDir string, ids []string, localRoot string, archived bool) (map[string]*runfolder.Sealed, map[string]error) {
	sealed, errs := map[string]*runfolder.Sealed{}, map[string]error{}
	failAll := func(err error) (map[string]*runfolder.Sealed, map[string]error) {
		for _, id := range ids {
			errs[id] = err
		}
		return nil, errs
	}
	recv := make(map[string]*runfolder.Receiver, len(ids))
	defer func() {
		for _, r := range recv {
			r.Close()
		}
	}()
	argv := append(make([]string, 0, len(ids)+5), "tar", "-C", remoteDir, "-cf", "-", "--")
	for _, id := range ids {
		r, err := runfolder.Receive(filepath.Join(localRoot, id))
		if err != nil {
			return failAll(err)
		}
		recv[id] = r
		if archived {
			argv = append(argv, id+runfolder.ArchiveSuffix)
		} else {
			argv = append(argv, id)
		}
	}
	p, err := sb.Exec(ctx, argv, nil)
	if err != nil {
		return failAll(fmt.Errorf("archiving the run folder: %w", err))
	}
	defer p.Stderr.Close()
	stderr := make(chan string, 1)
	go func() { stderr <- tail(p.Stderr, 1024) }()
	manifests, uerr := untarRuns(p.Stdout, recv, archived)
	// Drain what is left so that the exec can finish.
	_, _ = io.Copy(io.Discard, p.Stdout)
	p.Stdout.Close()
	code, err := p.Wait(ctx, nil)
	msg := <-stderr
	switch {
	case err != nil:
		return failAll(fmt.Errorf("archiving the run folder: %w", err))
	case code != 0:
		return failAll(fmt.Errorf("archiving the run folder: tar exited with code %d: %s", code, msg))
	case uerr != nil:
		return failAll(uerr)
	}
	for _, id := range ids {
		f, err := recv[id].Finish(manifests[id])
		if err != nil {
			errs[id] = err
		} else {
			sealed[id] = f
		}
	}
	return sealed, errs
}

// untarRuns unpacks a tar stream of runs into their receivers (keyed by
// run id). With archived, each member is a run's archive, <id>.tar, itself
// a tar of the run's files; else every member must be one of the run
// folders or inside one. Only folders and regular files are taken. Each
// run's manifest.json is returned instead of written.
func untarRuns(r io.Reader, recv map[string]*runfolder.Receiver, archived bool) (map[string][]byte, error) {
	manifests := map[string][]byte{}
	tr := tar.NewReader(r)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return manifests, nil
		}
		if err != nil {
			return nil, fmt.Errorf("reading the run archive: %w", err)
		}
		name := strings.TrimPrefix(strings.TrimSuffix(h.Name, "/"), "./")
		if archived {
			id, ok := strings.CutSuffix(name, runfolder.ArchiveSuffix)
			if !ok || recv[id] == nil || h.Typeflag != tar.TypeReg {
				return nil, fmt.Errorf("the download holds %q, which is not one of the run archives", h.Name)
			}
			m, err := recv[id].PutArchive(tr)
			if err != nil {
				return nil, fmt.Errorf("unpacking the archive of run %s: %w", id, err)
			}
			manifests[id] = m
			continue
		}
		top, rel, _ := strings.Cut(name, "/")
		if recv[top] == nil {
			return nil, fmt.Errorf("the run archive holds %q, outside the run folders", h.Name)
		}
		if rel == "" && h.Typeflag == tar.TypeDir {
			continue
		}
		m, err := recv[top].PutMember(h, rel, tr)
		if err != nil {
			return nil, fmt.Errorf("unpacking run %s: %w", top, err)
		}
		if m != nil {
			manifests[top] = m
		}
	}
}
