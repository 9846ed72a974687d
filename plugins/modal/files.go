package modal

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"strings"

	modalsdk "github.com/modal-labs/libmodal/modal-go"

	"github.com/bilancio-go/bilancio/internal/artifacts"
	"github.com/bilancio-go/bilancio/internal/pluginhost"
	"github.com/bilancio-go/bilancio/sdk"
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
	sum, err := pluginhost.FileSHA256(w.Path)
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

// downloadRun copies a completed run folder from the sandbox (remote) to
// local: it reads the remote manifest, copies every file it lists, writes
// the manifest last and verifies the local folder. It returns the sha256 of
// manifest.json.
func downloadRun(ctx context.Context, sb *modalsdk.Sandbox, remote, local string) (string, error) {
	var raw strings.Builder
	if err := copyOut(ctx, sb, path.Join(remote, artifacts.ManifestFile), &raw); err != nil {
		return "", fmt.Errorf("reading %s: %w", artifacts.ManifestFile, err)
	}
	var m artifacts.Manifest
	if err := json.Unmarshal([]byte(raw.String()), &m); err != nil {
		return "", fmt.Errorf("reading %s: %w", artifacts.ManifestFile, err)
	}
	if err := os.RemoveAll(local); err != nil {
		return "", err
	}
	for _, f := range m.Files {
		if !filepath.IsLocal(filepath.FromSlash(f.Name)) || f.Name == artifacts.ManifestFile {
			return "", fmt.Errorf("the manifest lists an invalid file name %q", f.Name)
		}
		dst := filepath.Join(local, filepath.FromSlash(f.Name))
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return "", err
		}
		out, err := os.Create(dst)
		if err != nil {
			return "", err
		}
		err = copyOut(ctx, sb, path.Join(remote, f.Name), out)
		if cerr := out.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return "", fmt.Errorf("downloading %s: %w", f.Name, err)
		}
	}
	if err := os.MkdirAll(local, 0o755); err != nil {
		return "", err
	}
	if err := os.WriteFile(filepath.Join(local, artifacts.ManifestFile), []byte(raw.String()), 0o644); err != nil {
		return "", err
	}
	if _, err := artifacts.VerifyRun(local); err != nil {
		return "", err
	}
	sum := sha256.Sum256([]byte(raw.String()))
	return hex.EncodeToString(sum[:]), nil
}
