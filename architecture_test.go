package main

import (
	"bufio"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"
)

const modulePath = "github.com/bilancio-go/bilancio"

// goList runs `go list` over the module with a template and returns its
// lines.
func goList(t *testing.T, format string) []string {
	t.Helper()
	out, err := exec.Command("go", "list", "-f", format, "./...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	return strings.Split(strings.TrimSpace(string(out)), "\n")
}

// short is an import path relative to the module ("." for the module root).
func short(path string) string {
	if path == modulePath {
		return "."
	}
	return strings.TrimPrefix(path, modulePath+"/")
}

// drawnArrows reads the arrows block of docs/architecture.md: package ->
// the packages of this module it imports.
func drawnArrows(t *testing.T) map[string][]string {
	t.Helper()
	f, err := os.Open("docs/architecture.md")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	drawn := map[string][]string{}
	in := false
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		switch {
		case line == "```arrows":
			in = true
			continue
		case in && line == "```":
			in = false
			continue
		case !in || line == "":
			continue
		}
		from, to, ok := strings.Cut(line, "->")
		if !ok {
			t.Fatalf("docs/architecture.md: arrows line %q has no ->", line)
		}
		deps := strings.Fields(to)
		if len(deps) == 1 && deps[0] == "nothing" {
			deps = nil
		}
		drawn[strings.TrimSpace(from)] = deps
	}
	if len(drawn) == 0 {
		t.Fatal("docs/architecture.md has no arrows block")
	}
	return drawn
}

// TestImportGraph: the import graph of the code is the one
// docs/architecture.md draws, arrow for arrow, and keeps the rules that make
// the SDK the whole contract.
func TestImportGraph(t *testing.T) {
	drawn := drawnArrows(t)
	actual := map[string][]string{}
	for _, line := range goList(t, "{{.ImportPath}} {{join .Imports \" \"}}") {
		fields := strings.Fields(line)
		var deps []string
		for _, d := range fields[1:] {
			if d == modulePath || strings.HasPrefix(d, modulePath+"/") {
				deps = append(deps, short(d))
			}
		}
		slices.Sort(deps)
		actual[short(fields[0])] = deps
	}
	for pkg, deps := range actual {
		want, ok := drawn[pkg]
		if !ok {
			t.Errorf("package %s is not drawn in docs/architecture.md (its arrows: %s)", pkg, strings.Join(deps, " "))
			continue
		}
		for _, d := range deps {
			if !slices.Contains(want, d) {
				t.Errorf("%s imports %s: an arrow docs/architecture.md does not draw", pkg, d)
			}
		}
		for _, d := range want {
			if !slices.Contains(deps, d) {
				t.Errorf("docs/architecture.md draws %s -> %s, which the code does not have", pkg, d)
			}
		}
	}
	for pkg := range drawn {
		if _, ok := actual[pkg]; !ok {
			t.Errorf("docs/architecture.md draws package %s, which does not exist", pkg)
		}
	}

	// The rules, whatever the drawing says.
	only := func(pkg string, ok func(dep string) bool, why string) {
		for _, d := range actual[pkg] {
			if !ok(d) {
				t.Errorf("%s imports %s: %s", pkg, d, why)
			}
		}
	}
	isSDK := func(d string) bool { return d == "sdk" || strings.HasPrefix(d, "sdk/") }
	for pkg := range actual {
		switch {
		case isSDK(pkg):
			only(pkg, isSDK, "the sdk imports nothing of ours")
		case strings.HasPrefix(pkg, "plugins/modal"), strings.HasPrefix(pkg, "plugins/slurm"), strings.HasPrefix(pkg, "examples/"):
			only(pkg, func(d string) bool { return isSDK(d) || strings.HasPrefix(d, strings.SplitN(pkg, "/cmd/", 2)[0]) },
				"a remote plugin imports only the sdk (and its backend's client), so that it builds outside this module")
		}
		if pkg != "." && pkg != "cmd/bilancio-sweep" && pkg != "commands" &&
			(slices.Contains(actual[pkg], "commands") || slices.Contains(actual[pkg], "commands/core")) {
			t.Errorf("%s imports commands: arrows point down (only the two programs do)", pkg)
		}
	}
	only("sdk/runfolder", func(string) bool { return false }, "runfolder is standard library only")
	only("internal/sweep", func(d string) bool { return d != "internal/pluginhost" && !strings.HasPrefix(d, "internal/report") },
		"the executor is injected and the dashboard is the report's")
	for _, pkg := range []string{"config", "internal/report", "internal/report/experiment"} {
		only(pkg, func(d string) bool { return d != "internal/pluginhost" },
			"what it needs of an executor comes from the sdk's rules or from its caller (a schema, a default executor)")
	}
	pure := []string{"internal/engine", "internal/dealer", "internal/metrics", "internal/pynum", "internal/pyrandom", "internal/pyyaml", "internal/ring"}
	for _, pkg := range []string{"internal/engine", "internal/dealer", "internal/metrics"} {
		only(pkg, func(d string) bool { return slices.Contains(pure, d) }, "the engine knows nothing of files, plugins or sweeps")
	}
}

// TestBilancioLinksNoSweepMachinery: the bilancio binary serves single runs
// and hands the other commands over to bilancio-sweep, so that a run does
// not load and initialise what sweeps need; this keeps it so.
func TestBilancioLinksNoSweepMachinery(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", ".").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	sweepsOnly := []string{
		"google.golang.org/grpc", "google.golang.org/protobuf", "github.com/hashicorp/go-plugin", // executor plugins
		"github.com/bilancio-go/bilancio/sdk/proto", "github.com/bilancio-go/bilancio/internal/pluginhost",
		"github.com/hashicorp/hcl", "github.com/zclconf/go-cty", // sweep files
		"github.com/parquet-go",                                    // sweep export
		"gonum.org/v1/plot",                                        // the dashboards' PNG figures (internal/report/raster)
		"github.com/hashicorp/cli", "github.com/Masterminds/sprig", // dispatch and its help templates (commands/core dispatches bilancio's own)
	}
	for _, dep := range strings.Fields(string(out)) {
		for _, p := range sweepsOnly {
			if dep == p || strings.HasPrefix(dep, p+"/") {
				t.Errorf("bilancio links %s: only bilancio-sweep may", dep)
			}
		}
	}
}

// TestBilancioLinksNoApd: bilancio does not link github.com/cockroachdb/apd
// (its package init alone, tables of ln 10 and constants computed at start,
// cost ≈1.4 ms of every process): its Python decimals are pynum.Amount, whose
// big form is math/big. apd stays a test oracle (pynum's fuzz tests).
func TestBilancioLinksNoApd(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", ".").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	for _, dep := range strings.Fields(string(out)) {
		if strings.HasPrefix(dep, "github.com/cockroachdb/apd") {
			t.Errorf("bilancio links %s: decimals on the run path are pynum.Amount", dep)
		}
	}
}

// TestPackageDocs: every package has a doc comment saying what it is
// ("Package NAME ..." or, for a command, "Command ...").
func TestPackageDocs(t *testing.T) {
	for _, line := range goList(t, "{{.ImportPath}}\t{{.Name}}\t{{.Doc}}") {
		parts := strings.SplitN(line, "\t", 3)
		if len(parts) < 3 {
			t.Errorf("%s: no doc comment", line)
			continue
		}
		pkg, name, doc := short(parts[0]), parts[1], parts[2]
		if !strings.HasPrefix(doc, "Package "+name+" ") && !(name == "main" && strings.HasPrefix(doc, "Command ")) {
			t.Errorf("%s: its doc comment does not say what it owns: %q", pkg, doc)
		}
	}
}
