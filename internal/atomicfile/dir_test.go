package atomicfile

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// listDir returns the names under dir, recursively, relative to it.
func listDir(t *testing.T, dir string) []string {
	t.Helper()
	var names []string
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if p != dir {
			rel, _ := filepath.Rel(dir, p)
			names = append(names, filepath.ToSlash(rel))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return names
}

func TestReplaceDir(t *testing.T) {
	fill := func(files ...string) func(string) error {
		return func(tmp string) error {
			for _, f := range files {
				p := filepath.Join(tmp, f)
				if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
					return err
				}
				if err := os.WriteFile(p, []byte(f), 0o644); err != nil {
					return err
				}
			}
			return nil
		}
	}
	parent := t.TempDir()
	dir := filepath.Join(parent, "run")

	// Absent: created with the content.
	if err := ReplaceDir(dir, fill("a.txt", "out/b.txt")); err != nil {
		t.Fatal(err)
	}
	if got, want := listDir(t, dir), []string{"a.txt", "out", "out/b.txt"}; !slices.Equal(got, want) {
		t.Errorf("first fill: %v, want %v", got, want)
	}
	// Present: replaced as a whole, nothing of the old content survives.
	if err := ReplaceDir(dir, fill("c.txt")); err != nil {
		t.Fatal(err)
	}
	if got, want := listDir(t, dir), []string{"c.txt"}; !slices.Equal(got, want) {
		t.Errorf("replaced: %v, want %v", got, want)
	}
	// A failing fill leaves the folder as it was and nothing beside it.
	boom := errors.New("boom")
	err := ReplaceDir(dir, func(tmp string) error {
		fill("half.txt")(tmp)
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("err %v, want boom", err)
	}
	if got, want := listDir(t, dir), []string{"c.txt"}; !slices.Equal(got, want) {
		t.Errorf("after a failed fill: %v, want %v", got, want)
	}
	if got, want := listDir(t, parent), []string{"run", "run/c.txt"}; !slices.Equal(got, want) {
		t.Errorf("leftovers beside the folder: %v, want %v", got, want)
	}
	// A file in the way is refused.
	file := filepath.Join(parent, "file")
	os.WriteFile(file, nil, 0o644)
	if err := ReplaceDir(file, fill("x")); err == nil {
		t.Error("replacing a file: no error")
	}
	if got := listDir(t, parent); slices.Contains(got, "x") || len(got) != 3 {
		t.Errorf("after refusing a file: %v", got)
	}
	// Missing parents are created, with the folder's mode.
	deep := filepath.Join(parent, "a", "b", "run")
	if err := ReplaceDir(deep, fill("d.txt")); err != nil {
		t.Fatal(err)
	}
	if got, want := listDir(t, filepath.Join(parent, "a")), []string{"b", "b/run", "b/run/d.txt"}; !slices.Equal(got, want) {
		t.Errorf("under new parents: %v, want %v", got, want)
	}
	if st, err := os.Stat(deep); err != nil || st.Mode().Perm() != 0o755 {
		t.Errorf("the new folder: %v, %v; want mode 0755", st, err)
	}
}

func TestRenameAside(t *testing.T) {
	parent := t.TempDir()
	a, b := filepath.Join(parent, "a"), filepath.Join(parent, "b")
	os.Mkdir(a, 0o755)
	os.Mkdir(b, 0o755)
	os.WriteFile(filepath.Join(a, "from-a"), nil, 0o644)
	os.WriteFile(filepath.Join(b, "from-b"), nil, 0o644)
	if err := renameAside(a, b); err != nil {
		t.Fatal(err)
	}
	if got := listDir(t, b); !slices.Equal(got, []string{"from-a"}) {
		t.Errorf("b holds %v", got)
	}
	if got := listDir(t, a); !slices.Equal(got, []string{"from-b"}) {
		t.Errorf("a holds %v", got)
	}
}
