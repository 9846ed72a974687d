package modal

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bilancio-go/bilancio/sdk"
)

// noModalEnv clears Modal's variables and points its configuration file at
// a file that does not exist.
func noModalEnv(t *testing.T) {
	t.Helper()
	for _, k := range []string{envTokenID, envTokenSecret, envProfile} {
		t.Setenv(k, "")
	}
	t.Setenv(envConfigPath, filepath.Join(t.TempDir(), "none.toml"))
}

// TestConfigPrecedence: the sweep file's block overrides the environment,
// which overrides the defaults.
func TestConfigPrecedence(t *testing.T) {
	noModalEnv(t)
	t.Setenv(envTokenID, "id")
	t.Setenv(envTokenSecret, "secret")
	t.Setenv("BILANCIO_CLOUD_MEMORY", "4096")
	t.Setenv("BILANCIO_CLOUD_TIMEOUT", "900")
	e := New()
	if err := e.Configure(t.Context(), &sdk.Config{JSON: []byte(`{"timeout": 30, "gpu": "T4"}`)}); err != nil {
		t.Fatal(err)
	}
	c, _, err := e.config()
	if err != nil {
		t.Fatal(err)
	}
	want := Config{App: "bilancio-simulations", Volume: "bilancio-results", Timeout: 30, Memory: 4096, CPU: 1,
		MaxParallel: 50, GPU: "T4", Retries: 2, Backoff: 2, RunsPerSandbox: 10, Linger: 60, VolumeAccess: "read-only"}
	if *c != want {
		t.Errorf("config = %+v, want %+v", *c, want)
	}
	for _, bad := range []string{`{"timeout": 1.5}`, `{"max_parallel": 0}`, `{"backoff": 0.5}`, `{"app": ""}`, `{"nope": 1}`,
		`{"app": "has space"}`, `{"volume": "a/b"}`, `{"timeout": 86401}`, `{"max_cost": -1}`, `{"volume_access": "rw"}`, `{"cpu": 0}`} {
		if err := e.Configure(t.Context(), &sdk.Config{JSON: []byte(bad)}); !errors.Is(err, sdk.ErrInvalidConfig) {
			t.Errorf("Configure(%s) = %v, want ErrInvalidConfig", bad, err)
		}
	}
}

// TestCredentialsFromFile: the token can come from the active profile of a
// Modal configuration file (or the one MODAL_PROFILE names); errors never
// show it.
func TestCredentialsFromFile(t *testing.T) {
	noModalEnv(t)
	path := filepath.Join(t.TempDir(), "modal.toml")
	t.Setenv(envConfigPath, path)
	write := func(s string) {
		if err := os.WriteFile(path, []byte(s), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write("[default]\ntoken_id = \"ak-1\"\ntoken_secret = \"as-SECRET\"\nactive = true\n")
	if err := checkCredentials(); err != nil {
		t.Errorf("active profile: %v", err)
	}
	write("[default]\ntoken_id = \"ak-1\"\ntoken_secret = \"as-SECRET\"\n")
	err := checkCredentials()
	if !errors.Is(err, sdk.ErrInvalidConfig) {
		t.Errorf("no active profile: %v, want ErrInvalidConfig", err)
	}
	t.Setenv(envProfile, "default")
	if err := checkCredentials(); err != nil {
		t.Errorf("MODAL_PROFILE=default: %v", err)
	}
	write("[default\ntoken_secret = \"as-SECRET\"\n")
	if err := checkCredentials(); err == nil || strings.Contains(err.Error(), "SECRET") {
		t.Errorf("malformed file: %v, want an error without the secret", err)
	}
}

// TestEstimate prices 100 runs of 60 s at 1 core and 2 GiB with Modal's
// sandbox rates: 6,500 sandbox-seconds (10 sandboxes of 10 runs and a 5 s
// start each) at 0.00003942 + 2 × 0.00000672 per second, about $0.344.
func TestEstimate(t *testing.T) {
	noModalEnv(t)
	t.Setenv(envTokenID, "id")
	t.Setenv(envTokenSecret, "secret")
	e := New()
	if err := e.Configure(t.Context(), &sdk.Config{}); err != nil {
		t.Fatal(err)
	}
	r, err := e.Estimate(t.Context(), &sdk.EstimateRequest{Runs: 100, SecondsPerRun: 60})
	if err != nil {
		t.Fatal(err)
	}
	if want := 6050 * (0.00003942 + 2*0.00000672); r.Currency != "USD" || r.Cost < want*0.999 || r.Cost > want*1.001 || r.Seconds <= 0 {
		t.Errorf("estimate = %+v, want $%.4f", r, want)
	}
	// Two cores run two runs at once: half the wall time per sandbox, at
	// twice the CPU rate.
	if err := e.Configure(t.Context(), &sdk.Config{JSON: []byte(`{"cpu": 2}`)}); err != nil {
		t.Fatal(err)
	}
	r2, err := e.Estimate(t.Context(), &sdk.EstimateRequest{Runs: 100, SecondsPerRun: 60})
	if err != nil {
		t.Fatal(err)
	}
	if want := 3050 * (2*0.00003942 + 2*0.00000672); r2.Cost < want*0.999 || r2.Cost > want*1.001 || !strings.Contains(r2.Detail, "2 runs at once") {
		t.Errorf("estimate with 2 cores = %+v, want $%.4f", r2, want)
	}
}

// TestCheckBatch: a worker that is not a static linux/amd64 executable,
// or missing, is refused before any work.
func TestCheckBatch(t *testing.T) {
	run := []sdk.RunSpec{{RunID: "r1", Scenario: []byte("x")}}
	sha := strings.Repeat("a", 64)
	script := filepath.Join(t.TempDir(), "bilancio")
	if err := os.WriteFile(script, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, b := range []*sdk.Batch{
		{ExperimentID: "e", OutRoot: "out", Runs: run},
		{ExperimentID: "e", OutRoot: "out", Runs: run, Worker: &sdk.WorkerBinary{Path: "w", SHA256: sha, OS: "darwin", Arch: "arm64"}},
		{ExperimentID: "../e", OutRoot: "out", Runs: run, Worker: &sdk.WorkerBinary{Path: "w", SHA256: sha, OS: "linux", Arch: "amd64"}},
		{ExperimentID: "e", OutRoot: "out", Runs: run, Worker: &sdk.WorkerBinary{Path: script, SHA256: sha, OS: "linux", Arch: "amd64"}},
	} {
		if err := checkBatch(b); err == nil {
			t.Errorf("checkBatch(%+v) = nil, want an error", b)
		}
	}
}
