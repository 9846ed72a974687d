package pluginhost

import (
	"context"
	"errors"
	"github.com/bilancio-go/bilancio/sdk/runfolder"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestDescribeBinary(t *testing.T) {
	src := filepath.Join(t.TempDir(), BinaryName("described"))
	copyFile(t, testPluginBin, src, 0o755)
	info, err := DescribeBinary(context.Background(), src)
	if err != nil {
		t.Fatal(err)
	}
	if info.Name != "described" || info.Version != "0.0.1-test" || len(info.ProtocolVersions) != 1 || info.ProtocolVersions[0] != 1 || len(info.ConfigSchema) != 1 {
		t.Errorf("Info = %+v", info)
	}
	notPlugin := filepath.Join(t.TempDir(), "true")
	if err := os.WriteFile(notPlugin, []byte("#!/bin/sh\necho hello\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	if _, err := DescribeBinary(context.Background(), notPlugin); err == nil || !strings.Contains(err.Error(), "not an executor description") {
		t.Errorf("DescribeBinary(not a plugin) = %v", err)
	}
}

func TestInstallRemoveRoundTrip(t *testing.T) {
	// The name comes from describe, not from the file's name: the test
	// plugin calls itself by its file name, which here has no prefix.
	src := filepath.Join(t.TempDir(), "roundtrip")
	copyFile(t, testPluginBin, src, 0o755)
	dir := filepath.Join(t.TempDir(), "plugins") // made by Install

	inst, err := Install(context.Background(), src, dir)
	if err != nil {
		t.Fatal(err)
	}
	if inst.Name != "roundtrip" || inst.Path != filepath.Join(dir, BinaryName("roundtrip")) || inst.SumPath != filepath.Join(dir, "roundtrip_SHA256SUM") {
		t.Errorf("Installed = %+v", inst)
	}
	want, _ := runfolder.FileSHA256(src)
	if got, err := ReadSum(inst.SumPath); err != nil || got != want || inst.SHA256 != want {
		t.Errorf("checksum file holds %q (%v), Installed.SHA256 %q, want %q", got, err, inst.SHA256, want)
	}
	if fi, err := os.Stat(inst.Path); err != nil || fi.Mode().Perm()&0o111 == 0 {
		t.Errorf("installed binary: %v %v", fi, err)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 2 {
		t.Errorf("plugin dir holds %d files, want 2 (no temporary left)", len(entries))
	}

	// Discovery finds it and it runs.
	c, err := Find(context.Background(), Options{PluginDir: dir, HomeDir: t.TempDir(), WorkDir: t.TempDir(), ExecDir: t.TempDir(), Getenv: func(string) string { return "" }}, "roundtrip")
	if err != nil {
		t.Fatal(err)
	}
	if st, err := CheckStatus(c); st != ChecksumVerified {
		t.Errorf("status %s: %v", st, err)
	}
	p, err := Open(context.Background(), c, WithLogger(testLogger(t)))
	if err != nil {
		t.Fatal(err)
	}
	if p.Info().Name != "roundtrip" {
		t.Errorf("Info = %+v", p.Info())
	}
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}

	// Installing again replaces it; installing it where it lies only
	// rewrites the checksum.
	if _, err := Install(context.Background(), src, dir); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(inst.SumPath, []byte("0\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if again, err := Install(context.Background(), inst.Path, dir); err != nil || again.SHA256 != want {
		t.Errorf("Install in place = %+v, %v", again, err)
	}

	if err := Remove("roundtrip", dir); err != nil {
		t.Fatal(err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("after Remove the dir holds %v", entries)
	}
	if err := Remove("roundtrip", dir); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("second Remove = %v, want ErrNotExist", err)
	}
	if err := Remove("../x", dir); err == nil {
		t.Error("Remove accepted an invalid name")
	}
}
