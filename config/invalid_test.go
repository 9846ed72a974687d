package config

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
)

// invalidCase is a malformed sweep file of testdata/invalid and what it must
// be refused with. Its first comment lines say so:
//
//	# want: LINE:COL: SUMMARY            (a diagnostic in the file itself)
//	# want: <SOURCE>:LINE:COL: SUMMARY   (in a synthetic source, e.g. a -var)
//	# var: name=value                    (a -var option to load it with)
type invalidCase struct {
	path            string
	file            string // the diagnostic's file name
	line, col       int
	summary         string
	vars            []string
	src             []byte
	wantDescription string
}

// readInvalidCase reads a case's header.
func readInvalidCase(t *testing.T, path string) invalidCase {
	t.Helper()
	src, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	c := invalidCase{path: path, file: path, src: src}
	sc := bufio.NewScanner(bytes.NewReader(src))
	for sc.Scan() {
		line := sc.Text()
		if !strings.HasPrefix(line, "#") {
			break
		}
		if v, ok := strings.CutPrefix(line, "# var: "); ok {
			c.vars = append(c.vars, v)
		}
		want, ok := strings.CutPrefix(line, "# want: ")
		if !ok {
			continue
		}
		c.wantDescription = want
		if strings.HasPrefix(want, "<") {
			end := strings.Index(want, ">:")
			c.file, want = want[:end+1], want[end+2:]
		}
		parts := strings.SplitN(want, ": ", 2)
		pos := strings.Split(parts[0], ":")
		if len(parts) != 2 || len(pos) != 2 {
			t.Fatalf("%s: malformed want line %q", path, line)
		}
		c.line, _ = strconv.Atoi(pos[0])
		c.col, _ = strconv.Atoi(pos[1])
		c.summary = parts[1]
	}
	if c.summary == "" {
		t.Fatalf("%s has no # want: line", path)
	}
	return c
}

// Every malformed file is refused with the diagnostic its header names, at
// the file, line and column it names; the rendered diagnostics (with source
// snippets) are kept in testdata/invalid.golden.
func TestInvalidFiles(t *testing.T) {
	paths, err := filepath.Glob("testdata/invalid/*.hcl")
	if err != nil {
		t.Fatal(err)
	}
	if len(paths) < 12 {
		t.Fatalf("only %d malformed files", len(paths))
	}
	var golden bytes.Buffer
	for _, path := range paths {
		c := readInvalidCase(t, path)
		t.Run(filepath.Base(path), func(t *testing.T) {
			opts := testOptions()
			opts.Vars = c.vars
			spec, diags := Load(context.Background(), path, c.src, opts)
			if spec != nil || !diags.HasErrors() {
				t.Fatalf("loaded without error: %v", diags)
			}
			found := false
			for _, d := range diags {
				if d.Severity != hcl.DiagError {
					continue
				}
				if d.Subject == nil {
					t.Errorf("diagnostic without a range: %s: %s", d.Summary, d.Detail)
					continue
				}
				if d.Subject.Filename == c.file && d.Subject.Start.Line == c.line && d.Subject.Start.Column == c.col && d.Summary == c.summary {
					found = true
				}
			}
			if !found {
				var got []string
				for _, d := range diags {
					if d.Subject != nil {
						got = append(got, fmt.Sprintf("%s:%d:%d: %s", d.Subject.Filename, d.Subject.Start.Line, d.Subject.Start.Column, d.Summary))
					}
				}
				t.Errorf("want %s, got:\n%s\n%s", c.wantDescription, strings.Join(got, "\n"), DiagnosticsText(opts.Files, diags))
			}
			fmt.Fprintf(&golden, "=== %s\n%s", filepath.Base(path), DiagnosticsText(opts.Files, diags))
		})
	}
	checkGolden(t, "testdata/invalid.golden", golden.Bytes())
}
