package modalemu

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// sdkE2E lists Modal's own end-to-end tests that run, unchanged, against
// the emulator: the test package of github.com/modal-labs/modal-client/go
// (v0.11.1) for apps, volumes, images, sandboxes, exec, tags and listing,
// and its integration-tagged filesystem tests (sandbox_fs_e2e_test.go).
// Those left out, and why, are in sdkE2ELeftOut. Both are checked against
// the SDK's source, so a test added or renamed upstream is noticed.
var sdkE2E = map[string][]string{
	"github.com/modal-labs/modal-client/go/test": {
		// apps, sandboxes, exec
		"TestCreateOneSandbox", "TestCreateOneSandboxTerminateWaitWorks", "TestPassCatToStdin",
		"TestSandboxExecWaitSignal", "TestSandboxCreateOptions", "TestSandboxExecOptions",
		"TestSandboxPollAndReturnCode", "TestSandboxPollAfterFailure", "TestSandboxFromId",
		"TestSandboxWithWorkdir", "TestNamedSandbox", "TestNamedSandboxNotFound",
		"TestSandboxInvalidTimeouts", "TestSandboxExecStdinStdout", "TestSandboxExecWaitExitCode",
		"TestSandboxExecDoubleRead", "TestSandboxExecBinaryMode", "TestSandboxExecWaitTimeout",
		"TestSandboxExecOutputTimeout", "TestSandboxDoubleTerminateIsIdempotent",
		"TestSandboxExecAfterTerminateFails", "TestSandboxStdoutStaysReadableAfterTerminate",
		"TestSandboxFirstStdoutReadAfterTerminate", "TestSandboxFirstStdoutReadAfterTerminateV2",
		"TestContainerProcessReadStdoutAfterSandboxTerminate", "TestSandboxCreateWithEnv",
		"TestCreateSandboxWithSecrets", "TestSandboxExecSecret",
		"TestSandboxDetachIsNonDestructive", "TestSandboxDetachIsIdempotent",
		"TestSandboxTerminateThenDetachDoesNotError", "TestSandboxDetachForbidsAllOperations",
		"TestContainerProcessReadStdoutAfterSandboxDetach", "TestContainerProcessWriteStinAfterDetach",
		// volumes
		"TestSandboxWithVolume", "TestSandboxWithSubPathVolume",
		"TestSandboxReloadVolumes", "TestVolumeFromName", "TestVolumeEphemeral",
		// images
		"TestImageFromId", "TestImageFromRegistry", "TestCreateSandboxWithImage", "TestImageDelete",
		"TestDockerfileCommands", "TestDockerfileCommandsChaining", "TestDockerfileCommandsEmptyArrayNoOp",
		"TestDockerfileCommandsCopyCommandValidation",
		// tags and listing
		"TestSandboxTags", "TestSandboxSetTagsAndList", "TestSandboxListByAppId",
	},
	"github.com/modal-labs/modal-client/go": {
		// every filesystem test but Watch's
		"TestSandboxFsE2e([^W]|W[^a]).*",
	},
}

// sdkE2ELeftOut are the end-to-end tests not run, with the reason.
var sdkE2ELeftOut = map[string]string{}

// TestModalSDKEndToEnd runs Modal's own end-to-end tests against the
// emulator, with isolated sandboxes (their shell commands use real paths
// such as /mnt/test). It needs root on Linux; under CI it must run.
func TestModalSDKEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("runs Modal's end-to-end tests (about a minute)")
	}
	if _, err := newIsolatedRuntime(); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("Modal's end-to-end tests need isolated sandboxes: %v", err)
		}
		t.Skipf("Modal's end-to-end tests need isolated sandboxes: %v", err)
	}
	srv := startEmulator(t, Options{
		Isolation:    IsolationRequired,
		Environments: []string{"libmodal"},
		Secrets:      map[string]map[string]string{"libmodal-test-secret": {"a": "1", "b": "2", "c": "hello world"}},
	})
	dir, err := filepath.Abs("sdktests")
	if err != nil {
		t.Fatal(err)
	}
	for pkg, names := range sdkE2E {
		run := "^(" + strings.Join(names, "|") + ")$"
		if r := os.Getenv("BILANCIO_SDK_E2E_RUN"); r != "" {
			run = r
		}
		args := []string{"test", "-count=1", "-json", "-timeout", "240s", "-run", run, pkg}
		if pkg == "github.com/modal-labs/modal-client/go" {
			args = append(args[:1], append([]string{"-tags", "integration"}, args[1:]...)...)
		}
		cmd := exec.CommandContext(t.Context(), "go", args...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), srv.Env(filepath.Join(t.TempDir(), "none.toml"))...)
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		runErr := cmd.Run()
		passed, failed, output := parseTestJSON(out.Bytes())
		t.Logf("%s: %d passed, %d failed", pkg, len(passed), len(failed))
		for _, name := range failed {
			t.Errorf("%s: %s failed:\n%s", pkg, name, output[name])
		}
		for _, want := range names {
			re := regexp.MustCompile("^" + want + "$")
			if !slices.ContainsFunc(passed, re.MatchString) && os.Getenv("BILANCIO_SDK_E2E_RUN") == "" {
				t.Errorf("%s: %s did not pass", pkg, want)
			}
		}
		if runErr != nil && len(failed) == 0 {
			t.Errorf("go test %s: %v\n%s", pkg, runErr, tail(out.String(), 4000))
		}
	}
}

// parseTestJSON reads `go test -json` output: the top-level tests that
// passed and failed, and each one's output.
func parseTestJSON(b []byte) (passed, failed []string, output map[string]string) {
	output = map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	for sc.Scan() {
		var ev struct{ Action, Test, Output string }
		if json.Unmarshal(sc.Bytes(), &ev) != nil || ev.Test == "" || strings.Contains(ev.Test, "/") {
			continue
		}
		switch ev.Action {
		case "output":
			output[ev.Test] += ev.Output
		case "pass":
			passed = append(passed, ev.Test)
		case "fail":
			failed = append(failed, ev.Test)
		}
	}
	return passed, failed, output
}

// tail returns the last n bytes of s.
func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[len(s)-n:]
}
