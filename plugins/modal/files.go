package modal

import (
	"archive/tar"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"strings"

	modalsdk "github.com/modal-labs/libmodal/modal-go"

	"github.com/bilancio-go/bilancio/sdk"
	"github.com/bilancio-go/bilancio/sdk/runfolder"
)

// chunkSize is the size of one file read or write RPC: modal-go sends one
// RPC per call and the filesystem API caps a write at 16 MiB (spec/modal.md
// §3.3).
const chunkSize = 8 << 20

// run executes a command in a sandbox and waits for it. It returns the exit
// code, and an error naming the code and the end of stderr when it is not 0;
// the code is -1 when the command could not be run or waited for.
func run(ctx context.Context, sb *modalsdk.Sandbox, argv ...string) (int, error) {
	p, err := sb.Exec(ctx, argv, &modalsdk.SandboxExecParams{Stdout: modalsdk.Ignore})
	if err != nil {
		return -1, err
	}
	defer p.Stderr.Close()
	stderr := make(chan string, 1)
	go func() { stderr <- tail(p.Stderr, 1024) }()
	code, err := p.Wait(ctx)
	if err != nil {
		return -1, err
	}
	msg := <-stderr
	if code != 0 {
		return code, fmt.Errorf("%s exited with code %d: %s", argv[0], code, msg)
	}
	return 0, nil
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

// writeFile writes data to a file in the sandbox, in chunks.
func writeFile(ctx context.Context, sb *modalsdk.Sandbox, name string, data []byte) error {
	f, err := sb.Open(ctx, name, "wb")
	if err != nil {
		return err
	}
	for len(data) > 0 {
		n := min(len(data), chunkSize)
		if _, err := f.Write(data[:n]); err != nil {
			f.Close()
			return err
		}
		data = data[n:]
	}
	return f.Close()
}

// uploadWorker copies the worker binary into the sandbox at dst: after
// checking its sha256, it writes a temporary file in chunks, makes it
// executable and renames it, so dst is never a partial binary.
func uploadWorker(ctx context.Context, sb *modalsdk.Sandbox, w *sdk.WorkerBinary, dst string) error {
	sum, err := runfolder.FileSHA256(w.Path)
	if err != nil {
		return err
	}
	if sum != w.SHA256 {
		return fmt.Errorf("the worker binary %s does not match its sha256 %s", w.Path, w.SHA256)
	}
	data, err := os.ReadFile(w.Path)
	if err != nil {
		return err
	}
	if _, err := run(ctx, sb, "mkdir", "-p", path.Dir(dst)); err != nil {
		return err
	}
	tmp := dst + ".tmp-" + sb.SandboxID
	if err := writeFile(ctx, sb, tmp, data); err != nil {
		return fmt.Errorf("uploading %s: %w", w.Path, err)
	}
	if _, err := run(ctx, sb, "chmod", "+x", tmp); err != nil {
		return err
	}
	_, err = run(ctx, sb, "mv", tmp, dst)
	return err
}

// copyOut copies a file of the sandbox to w, reading it in chunks.
func copyOut(ctx context.Context, sb *modalsdk.Sandbox, name string, w io.Writer) error {
	f, err := sb.Open(ctx, name, "rb")
	if err != nil {
		return err
	}
	defer f.Close()
	buf := make([]byte, chunkSize)
	for {
		n, err := f.Read(buf)
		if _, werr := w.Write(buf[:n]); werr != nil {
			return werr
		}
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

// maxGroup caps the runs downloaded by one tar exec.
const maxGroup = 32

// downloadRuns copies completed run folders (remoteDir/<id> for each id)
// from the sandbox to localRoot/<id> in one round trip: `tar -cf -` of the
// folders runs in the sandbox and its output is unpacked here as it streams
// (only regular files and folders, every name inside one of the run
// folders) into a runfolder.Receiver per run, which hashes each file as it
// is written. For each run, the files its remote manifest does not list are
// dropped, the manifest is checked against what arrived and written last.
// It returns each run's sealed folder, or its error.
func downloadRuns(ctx context.Context, sb *modalsdk.Sandbox, remoteDir string, ids []string, localRoot string) (map[string]*runfolder.Sealed, map[string]error) {
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
	for _, id := range ids {
		r, err := runfolder.Receive(filepath.Join(localRoot, id))
		if err != nil {
			return failAll(err)
		}
		recv[id] = r
	}
	p, err := sb.Exec(ctx, append([]string{"tar", "-C", remoteDir, "-cf", "-", "--"}, ids...), nil)
	if err != nil {
		return failAll(fmt.Errorf("archiving the run folder: %w", err))
	}
	defer p.Stderr.Close()
	stderr := make(chan string, 1)
	go func() { stderr <- tail(p.Stderr, 1024) }()
	manifests, uerr := untarRuns(p.Stdout, recv)
	// Drain what is left so that the exec can finish.
	_, _ = io.Copy(io.Discard, p.Stdout)
	p.Stdout.Close()
	code, err := p.Wait(ctx)
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

// untarRuns unpacks a tar stream of run folders into their receivers
// (keyed by run id): every entry must be one of those folders or inside
// one, and a folder or a regular file. Each run's manifest.json is
// returned instead of written.
func untarRuns(r io.Reader, recv map[string]*runfolder.Receiver) (map[string][]byte, error) {
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
		top, rel, _ := strings.Cut(name, "/")
		if recv[top] == nil || (rel != "" && runfolder.ValidName(rel) != nil) {
			return nil, fmt.Errorf("the run archive holds %q, outside the run folders", h.Name)
		}
		switch h.Typeflag {
		case tar.TypeDir:
			// Folders are made as their files arrive.
		case tar.TypeReg:
			if rel == "" {
				return nil, fmt.Errorf("the run archive holds %q as a file", h.Name)
			}
			if rel == runfolder.ManifestFile {
				if manifests[top], err = io.ReadAll(tr); err != nil {
					return nil, fmt.Errorf("reading the run archive: %w", err)
				}
				continue
			}
			if err := recv[top].Put(rel, tr); err != nil {
				return nil, err
			}
		default:
			return nil, fmt.Errorf("the run archive holds %q, which is not a regular file or a folder", h.Name)
		}
	}
}
