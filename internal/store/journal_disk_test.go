//go:build linux

package store

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// A write the disk cuts short is taken back: the record after it (written
// once there is room again) is a line of its own and counts, instead of
// being glued to the fragment and skipped with it by every reader — which
// made the console count a failure that sweep status never saw.
func TestJournalFullDisk(t *testing.T) {
	mnt := t.TempDir()
	if err := syscall.Mount("tmpfs", mnt, "tmpfs", 0, "size=64k"); err != nil {
		t.Skipf("cannot mount a small tmpfs (%v): the full-disk case needs root", err)
	}
	t.Cleanup(func() { syscall.Unmount(mnt, syscall.MNT_DETACH) })
	st, err := Create(filepath.Join(mnt, "exp"), "exp")
	if err != nil {
		t.Fatal(err)
	}
	j, err := st.OpenJournal(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	if err := j.Append(Record{Kind: KindRun, Run: "grid_00000000000a", Key: "ka", Plan: "p", Index: 0}); err != nil {
		t.Fatal(err)
	}
	// Fill the disk: only the rest of the journal's last page is left.
	filler, err := os.Create(filepath.Join(mnt, "filler"))
	if err != nil {
		t.Fatal(err)
	}
	page := make([]byte, 4096)
	for {
		if _, err := filler.Write(page); err != nil {
			if !errors.Is(err, syscall.ENOSPC) {
				t.Fatal(err)
			}
			break
		}
	}
	filler.Close()
	long := Record{Kind: KindFailed, Run: "grid_00000000000a", Error: strings.Repeat("no space left ", 800), Attempts: 1}
	if err := j.Append(long); err == nil {
		t.Fatal("appending 11 KB to a full disk succeeded")
	}
	if err := os.Remove(filepath.Join(mnt, "filler")); err != nil {
		t.Fatal(err)
	}
	if err := j.Append(Record{Kind: KindFailed, Run: "grid_00000000000a", Error: "boom", Attempts: 1}); err != nil {
		t.Fatalf("appending once there is room: %v", err)
	}
	r, err := st.ReadJournal(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	e, ok := r.Lookup("grid_00000000000a")
	if r.Torn() != 0 || !ok || e.State() != Failed {
		t.Errorf("read back: %d torn lines, run found %v in state %v; want 0, true, failed", r.Torn(), ok, e.State())
	}
}
