package modalemu

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	modal "github.com/modal-labs/libmodal/modal-go"
)

func TestOpenWriteReadRoundTrip(t *testing.T) {
	e := newSandboxEnv(t)
	sb := e.create(t, modal.SandboxCreateParams{Workdir: "/job"})
	defer sb.Terminate(t.Context())

	payload := bytes.Repeat([]byte("0123456789abcdef"), 40_000) // 640 KB
	w, err := sb.Open(t.Context(), "/job/input.bin", "wb")
	if err != nil {
		t.Fatalf("Open wb: %v", err)
	}
	for chunk := range slicesChunk(payload, 100_000) {
		if _, err := w.Write(chunk); err != nil {
			t.Fatalf("Write: %v", err)
		}
	}
	if err := w.Flush(); err != nil {
		t.Fatalf("Flush: %v", err)
	}
	if err := w.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}

	// The file is visible to execs at its container path.
	if out, _, code := execAndRead(t, sb, []string{"wc", "-c", "/job/input.bin"}, nil); code != 0 || !strings.HasPrefix(strings.TrimSpace(out), "640000") {
		t.Fatalf("wc = %q, exit %d", out, code)
	}

	r, err := sb.Open(t.Context(), "/job/input.bin", "rb")
	if err != nil {
		t.Fatalf("Open rb: %v", err)
	}
	var got bytes.Buffer
	buf := make([]byte, 256*1024)
	for {
		n, err := r.Read(buf)
		got.Write(buf[:n])
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("Read: %v", err)
		}
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got.Bytes(), payload) {
		t.Fatalf("read back %d bytes, want %d identical bytes", got.Len(), len(payload))
	}
}

// slicesChunk yields consecutive pieces of b of at most n bytes.
func slicesChunk(b []byte, n int) func(func([]byte) bool) {
	return func(yield func([]byte) bool) {
		for len(b) > 0 {
			k := min(n, len(b))
			if !yield(b[:k]) {
				return
			}
			b = b[k:]
		}
	}
}

func TestOpenOnVolumeAndErrors(t *testing.T) {
	e := newSandboxEnv(t)
	sb := e.create(t, modal.SandboxCreateParams{})
	defer sb.Terminate(t.Context())

	w, err := sb.Open(t.Context(), "/mnt/results/note.txt", "w")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write([]byte("kept")); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if got, err := os.ReadFile(filepath.Join(e.volDir, "note.txt")); err != nil || string(got) != "kept" {
		t.Fatalf("volume file = %q, %v", got, err)
	}

	_, err = sb.Open(t.Context(), "/job/missing.txt", "r")
	var fsErr modal.SandboxFilesystemError
	if !errors.As(err, &fsErr) || !strings.Contains(err.Error(), "/job/missing.txt") || strings.Contains(err.Error(), e.srv.Root()) {
		t.Fatalf("open of a missing file: %v; want SandboxFilesystemError naming the container path only", err)
	}
	if _, err := sb.Open(t.Context(), "/mnt/results/note.txt", "x"); !errors.As(err, &fsErr) {
		t.Fatalf("exclusive create of an existing file: %v", err)
	}
	if _, err := sb.Open(t.Context(), "/mnt/results/note.txt", "q"); !errors.As(err, &fsErr) {
		t.Fatalf("invalid mode: %v", err)
	}
}

func TestOpenFlags(t *testing.T) {
	for mode, want := range map[string]int{
		"r": os.O_RDONLY, "rb": os.O_RDONLY, "r+": os.O_RDWR,
		"w": os.O_WRONLY | os.O_CREATE | os.O_TRUNC, "wb": os.O_WRONLY | os.O_CREATE | os.O_TRUNC,
		"a": os.O_WRONLY | os.O_CREATE | os.O_APPEND, "x": os.O_WRONLY | os.O_CREATE | os.O_EXCL,
		"w+b": os.O_RDWR | os.O_CREATE | os.O_TRUNC,
	} {
		if got, err := openFlags(mode); err != nil || got != want {
			t.Errorf("openFlags(%q) = %#x, %v; want %#x", mode, got, err, want)
		}
	}
	for _, bad := range []string{"", "rw", "q", "b"} {
		if _, err := openFlags(bad); err == nil {
			t.Errorf("openFlags(%q) accepted", bad)
		}
	}
}
