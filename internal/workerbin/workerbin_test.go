package workerbin

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// build builds a small Go program into dir/name with env.
func build(t *testing.T, dir, name string, env ...string) string {
	t.Helper()
	src := filepath.Join(t.TempDir(), "main.go")
	if err := os.WriteFile(src, []byte("package main\n\nimport \"os/user\"\n\nfunc main() { _, _ = user.Current() }\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, name)
	cmd := exec.Command("go", "build", "-o", out, src)
	cmd.Env = append(os.Environ(), env...)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, b)
	}
	return out
}

// TestFindOnOtherHosts: on a host that is not linux/amd64 (here an
// injected darwin/arm64 one, as for a Mac with Apple silicon) the worker is
// the static build beside bilancio; without one it is bilancio itself,
// described as darwin/arm64 (so that Modal refuses it and Slurm may use it).
func TestFindOnOtherHosts(t *testing.T) {
	dir := t.TempDir()
	exe := filepath.Join(dir, "bilancio")
	if err := os.WriteFile(exe, []byte("a darwin binary"), 0o755); err != nil {
		t.Fatal(err)
	}
	host := Host{Executable: exe, OS: "darwin", Arch: "arm64", Getenv: func(string) string { return "" }}
	if got, err := Find(host); err != nil || got.Path != exe || got.OS != "darwin" || got.Arch != "arm64" {
		t.Fatalf("without a worker: %+v, %v; want bilancio itself as darwin/arm64", got, err)
	}
	w := build(t, dir, Name, "CGO_ENABLED=0", "GOOS=linux", "GOARCH=amd64")
	got, err := Find(host)
	if err != nil {
		t.Fatal(err)
	}
	if got.Path != w || got.OS != "linux" || got.Arch != "amd64" || len(got.SHA256) != 64 {
		t.Errorf("worker %+v, want %s as linux/amd64", got, w)
	}
	// $BILANCIO_WORKER names another one.
	other := build(t, t.TempDir(), "w", "CGO_ENABLED=0", "GOOS=linux", "GOARCH=amd64")
	host.Getenv = func(k string) string {
		if k == EnvWorker {
			return other
		}
		return ""
	}
	if got, err := Find(host); err != nil || got.Path != other {
		t.Errorf("with %s: %+v, %v", EnvWorker, got, err)
	}
}

// TestStaticOnly: a dynamically linked or non-amd64 build is refused.
func TestStaticOnly(t *testing.T) {
	if _, err := exec.LookPath("gcc"); err != nil || runtime.GOOS != "linux" || runtime.GOARCH != "amd64" {
		t.Skip("needs a linux/amd64 host with a C compiler to make a dynamic build")
	}
	dir := t.TempDir()
	dyn := build(t, dir, "dynamic", "CGO_ENABLED=1")
	if err := CheckStatic(dyn); err == nil || !strings.Contains(err.Error(), "dynamically linked") {
		t.Errorf("a cgo build: %v, want refused as dynamically linked", err)
	}
	arm := build(t, dir, "arm", "CGO_ENABLED=0", "GOOS=linux", "GOARCH=arm64")
	if err := CheckStatic(arm); err == nil {
		t.Error("a linux/arm64 build was accepted")
	}
	host := Host{Executable: dyn, OS: "linux", Arch: "amd64", Getenv: func(string) string { return "" }}
	if got, err := Find(host); err != nil || got.Path != dyn || CheckStatic(got.Path) == nil {
		t.Errorf("a dynamic bilancio on linux/amd64: %+v, %v; want itself, which CheckStatic refuses", got, err)
	}
}
