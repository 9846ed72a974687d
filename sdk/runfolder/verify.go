package runfolder

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// ErrIncomplete matches every error that says a run folder is not complete
// (errors.Is): no manifest, or a file that does not match it.
var ErrIncomplete = errors.New("run folder is incomplete")

// ProblemKind says what is wrong with a run folder or one of its files.
type ProblemKind string

// Problems Verify and Check find.
const (
	// NoManifest: the folder has no manifest.json (or no folder at all).
	NoManifest ProblemKind = "no manifest"
	// BadManifest: manifest.json cannot be read or parsed, lists no file,
	// or its status is not "completed".
	BadManifest ProblemKind = "bad manifest"
	// ManifestChanged: manifest.json's sha256 is not the one expected.
	ManifestChanged ProblemKind = "manifest changed"
	// Missing: a listed file is not there (or is not a regular file).
	Missing ProblemKind = "missing"
	// WrongSize: a listed file has another size than the manifest says.
	WrongSize ProblemKind = "wrong size"
	// WrongChecksum: a listed file's sha256 is not the manifest's.
	WrongChecksum ProblemKind = "wrong checksum"
	// Changed: the files were modified since they were written or last
	// verified (the fingerprint differs); only Check reports it, and
	// Verify tells whether their content still matches.
	Changed ProblemKind = "changed"
	// Unreadable: a listed file cannot be read.
	Unreadable ProblemKind = "unreadable"
)

// Problem is one thing wrong with a run folder.
type Problem struct {
	// File is the file concerned (slash-separated, relative to the
	// folder): manifest.json, a listed file, or "" for the whole folder.
	File   string
	Kind   ProblemKind
	Detail string
}

func (p Problem) String() string {
	s := string(p.Kind)
	if p.File != "" {
		s = p.File + ": " + s
	}
	if p.Detail != "" {
		s += " (" + p.Detail + ")"
	}
	return s
}

// VerifyError is a run folder that does not verify, with every problem
// found. It matches ErrIncomplete.
type VerifyError struct {
	Dir      string
	Problems []Problem
}

func (e *VerifyError) Error() string {
	parts := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		parts[i] = p.String()
	}
	return fmt.Sprintf("run folder %s does not verify: %s", e.Dir, strings.Join(parts, "; "))
}

// Is makes errors.Is(err, ErrIncomplete) hold.
func (e *VerifyError) Is(target error) bool { return target == ErrIncomplete }

// Has reports whether one of the problems is of kind k.
func (e *VerifyError) Has(k ProblemKind) bool {
	for _, p := range e.Problems {
		if p.Kind == k {
			return true
		}
	}
	return false
}

// Verify checks that dir holds a complete run: manifest.json exists,
// parses, says "completed" and lists at least one file, and every file it
// lists has the recorded size and sha256 (each is read once). It returns
// the sealed folder, or a *VerifyError naming every problem found (and
// the manifest, when it could be read, in Sealed).
func Verify(dir string) (*Sealed, error) {
	return check(dir, "", "", true)
}

// Check is Verify's cheap form, for a folder whose files were hashed when
// they were written (or last verified): it reads manifest.json and
// compares its sha256 with manifestSHA256, then stats every listed file,
// comparing its size with the manifest's and the fingerprint of them all
// with fingerprint. An empty manifestSHA256 or fingerprint is not
// compared. When the fingerprint differs the error has a Changed problem:
// the files may well be intact, and Verify tells.
func Check(dir, manifestSHA256, fingerprint string) (*Sealed, error) {
	if s, ok, err := quickCheck(dir, manifestSHA256, fingerprint); ok {
		return s, err
	}
	return check(dir, manifestSHA256, fingerprint, false)
}

// Reported is the sealed folder dir as the executor that wrote it reported
// it: the manifest.json it wrote (data), whose sha256 it gave as
// manifestSHA256, and the fingerprint of the files it wrote. Its writer
// (Writer.Commit) hashed each file as it wrote it, so the folder verified
// when it was sealed; Reported trusts that and reads nothing back. It
// refuses, with the problem Check would name, a manifest whose bytes do
// not have the checksum reported, that does not parse, does not say
// "completed" or lists no file, and a report without a fingerprint.
func Reported(dir string, data []byte, manifestSHA256, fingerprint string) (*Sealed, error) {
	fail := func(s *Sealed, p Problem) (*Sealed, error) {
		p.File = ManifestFile
		return s, &VerifyError{Dir: dir, Problems: []Problem{p}}
	}
	if len(data) == 0 {
		return fail(nil, Problem{Kind: NoManifest, Detail: "none reported"})
	}
	sum := SHA256(data)
	if sum != manifestSHA256 {
		return fail(nil, Problem{Kind: ManifestChanged, Detail: fmt.Sprintf("sha256 %s, reported %s", short(sum), short(manifestSHA256))})
	}
	m, err := DecodeManifest(data)
	if err != nil {
		return fail(nil, Problem{Kind: BadManifest, Detail: err.Error()})
	}
	s := &Sealed{Dir: dir, Manifest: m, SHA256: sum, Fingerprint: fingerprint}
	switch {
	case m.Status != StatusCompleted:
		return fail(s, Problem{Kind: BadManifest, Detail: fmt.Sprintf("status %q", m.Status)})
	case len(m.Files) == 0:
		return fail(s, Problem{Kind: BadManifest, Detail: "it lists no file"})
	case fingerprint == "":
		return fail(s, Problem{Kind: BadManifest, Detail: "no fingerprint of its files reported"})
	}
	return s, nil
}

func check(dir, wantSHA, wantFP string, hashFiles bool) (*Sealed, error) {
	fail := func(s *Sealed, ps ...Problem) (*Sealed, error) {
		return s, &VerifyError{Dir: dir, Problems: ps}
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return fail(nil, Problem{Kind: NoManifest, Detail: "no run folder"})
		}
		return fail(nil, Problem{Kind: Unreadable, Detail: err.Error()})
	}
	defer root.Close()
	data, err := root.ReadFile(ManifestFile)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return fail(nil, Problem{File: ManifestFile, Kind: NoManifest})
		}
		return fail(nil, Problem{File: ManifestFile, Kind: Unreadable, Detail: err.Error()})
	}
	sum := SHA256(data)
	if wantSHA != "" && sum != wantSHA {
		return fail(nil, Problem{File: ManifestFile, Kind: ManifestChanged, Detail: fmt.Sprintf("sha256 %s, expected %s", short(sum), short(wantSHA))})
	}
	m, err := DecodeManifest(data)
	if err != nil {
		return fail(nil, Problem{File: ManifestFile, Kind: BadManifest, Detail: err.Error()})
	}
	s := &Sealed{Dir: dir, Manifest: m, SHA256: sum}
	switch {
	case m.Status != StatusCompleted:
		return fail(s, Problem{File: ManifestFile, Kind: BadManifest, Detail: fmt.Sprintf("status %q", m.Status)})
	case len(m.Files) == 0:
		return fail(s, Problem{File: ManifestFile, Kind: BadManifest, Detail: "it lists no file"})
	}
	var problems []Problem
	stamps := make([]stamp, 0, len(m.Files))
	for _, f := range m.Files {
		st, p := checkFile(root, f, hashFiles)
		if p != nil {
			problems = append(problems, *p)
			continue
		}
		stamps = append(stamps, st)
	}
	if len(problems) > 0 {
		return fail(s, problems...)
	}
	s.Fingerprint = fingerprint(stamps)
	if wantFP != "" && s.Fingerprint != wantFP {
		return s, changedError(dir)
	}
	return s, nil
}

// changedError is the error of a folder whose fingerprint differs.
func changedError(dir string) error {
	return &VerifyError{Dir: dir, Problems: []Problem{{Kind: Changed, Detail: "a file was modified since it was written"}}}
}

// checkFile stats (and, with hashFile, hashes) a listed file.
func checkFile(root *os.Root, f File, hashFile bool) (stamp, *Problem) {
	fh, err := root.Open(f.Name)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return stamp{}, &Problem{File: f.Name, Kind: Missing}
		}
		return stamp{}, &Problem{File: f.Name, Kind: Unreadable, Detail: err.Error()}
	}
	defer fh.Close()
	info, err := fh.Stat()
	if err != nil {
		return stamp{}, &Problem{File: f.Name, Kind: Unreadable, Detail: err.Error()}
	}
	if !info.Mode().IsRegular() {
		return stamp{}, &Problem{File: f.Name, Kind: Missing, Detail: "not a regular file"}
	}
	if info.Size() != f.Size {
		return stamp{}, &Problem{File: f.Name, Kind: WrongSize, Detail: fmt.Sprintf("%d bytes, the manifest says %d", info.Size(), f.Size)}
	}
	if hashFile {
		h := sha256.New()
		if _, err := io.Copy(h, fh); err != nil {
			return stamp{}, &Problem{File: f.Name, Kind: Unreadable, Detail: err.Error()}
		}
		if got := hex.EncodeToString(h.Sum(nil)); got != f.SHA256 {
			return stamp{}, &Problem{File: f.Name, Kind: WrongChecksum, Detail: fmt.Sprintf("sha256 %s, the manifest says %s", short(got), short(f.SHA256))}
		}
	}
	return stamp{name: f.Name, size: info.Size(), modTime: info.ModTime()}, nil
}

// short abbreviates a hex digest for messages.
func short(h string) string {
	if len(h) > 12 {
		return h[:12] + "…"
	}
	return h
}

// readManifestBytes reads dir's manifest.json through an os.Root.
func readManifestBytes(dir string) ([]byte, error) {
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, fmt.Errorf("reading the manifest of %s: %w", dir, err)
	}
	defer root.Close()
	data, err := root.ReadFile(ManifestFile)
	if err != nil {
		return nil, fmt.Errorf("reading the manifest of %s: %w", dir, err)
	}
	return data, nil
}

// HasManifest reports whether dir has a manifest.json (a run folder that
// claims to be complete; Verify tells whether it is).
func HasManifest(dir string) bool {
	_, err := os.Stat(filepath.Join(dir, ManifestFile))
	return !errors.Is(err, fs.ErrNotExist)
}
