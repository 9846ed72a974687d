package modalemu

import (
	"bufio"
	"bytes"
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"maps"
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
// (v0.11.1) for apps, volumes, images, secrets, sandboxes, exec, logs,
// tags and listing, and its integration-tagged filesystem tests
// (sandbox_fs_e2e_test.go). Those left out, and why, are in
// sdkE2ELeftOut; TestModalSDKEndToEndCoverage checks both against the
// SDK's source, so a test added or renamed upstream is noticed.
var sdkE2E = map[string][]string{
	sdkTestPkg: {
		// apps, sandboxes, exec
		"TestCreateOneSandbox", "TestCreateOneSandboxTerminateWaitWorks", "TestPassCatToStdin",
		"TestIgnoreLargeStdout",
		"TestSandboxExecWaitSignal", "TestSandboxCreateOptions", "TestSandboxExecOptions",
		"TestSandboxPollAndReturnCode", "TestSandboxPollAfterFailure", "TestSandboxFromId",
		"TestSandboxWithWorkdir", "TestNamedSandbox", "TestNamedSandboxNotFound",
		"TestSandboxInvalidTimeouts", "TestSandboxExecStdinStdout", "TestSandboxExecWaitExitCode",
		"TestSandboxExecDoubleRead", "TestSandboxExecBinaryMode", "TestSandboxExecWaitTimeout",
		"TestSandboxExecOutputTimeout", "TestSandboxExecWithPty", "TestSandboxDoubleTerminateIsIdempotent",
		"TestSandboxExecAfterTerminateFails", "TestSandboxStdoutStaysReadableAfterTerminate",
		"TestSandboxFirstStdoutReadAfterTerminate", "TestSandboxFirstStdoutReadAfterTerminateV2",
		"TestContainerProcessReadStdoutAfterSandboxTerminate", "TestSandboxCreateWithEnv",
		"TestSandboxModalIdentityTokenUnsetByDefault",
		"TestSandboxDetachIsNonDestructive", "TestSandboxDetachIsIdempotent",
		"TestSandboxTerminateThenDetachDoesNotError", "TestSandboxDetachForbidsAllOperations",
		"TestContainerProcessReadStdoutAfterSandboxDetach", "TestContainerProcessWriteStinAfterDetach",
		// secrets
		"TestCreateSandboxWithSecrets", "TestSandboxExecSecret", "TestSecretFromName",
		"TestSecretFromNameWithRequiredKeys", "TestSecretFromMap",
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
	sdkRootPkg: {
		// every filesystem test but Watch's
		"TestSandboxFsE2e([^W]|W[^a]).*",
	},
}

// The two packages Modal's end-to-end tests live in.
const (
	sdkRootPkg = "github.com/modal-labs/modal-client/go"
	sdkTestPkg = sdkRootPkg + "/test"
)

// sdkE2ELeftOut are the end-to-end tests not run (patterns over test
// names), with the reason. Tests that talk to the SDK's in-process gRPC
// mock (internal/grpcmock), a mock auth client or a fake in-process task
// worker (fake_worker_test.go: the exec and log stream release tests) or
// a bufconn server instead of a server, or build no client at all,
// are left out without being listed: they cannot judge a server.
var sdkE2ELeftOut = []struct{ pattern, reason string }{
	{`Test(Cls|Function|WebEndpoint|Instance|DynamicFunction).*`, "Functions and classes: bilancio deploys none and the emulator serves no function calls"},
	{`TestQueue.*`, "Queues: bilancio uses none and the emulator serves none"},
	{`Test.*(Tunnel|Proxy|ConnectToken|DomainAllowlist|NetworkAccess).*`, "networking (tunnels, proxies, connect tokens, egress rules): the emulator's sandboxes have no network of their own"},
	{`Test.*(Snapshot|MountDirectory|UnmountDirectory).*`, "filesystem and directory snapshots and mounted directories: bilancio uses none and the emulator serves none"},
	{`TestSidecar.*`, "sidecar containers: not served"},
	{`TestSandboxExperimentalDocker.*`, "Docker inside a sandbox: not served"},
	{`TestImageFrom(AwsEcr|GcpArtifactRegistry|RegistryWithSecret)`, "private registries: need cloud credentials and a registry"},
	{`TestSandboxIncludeOidcIdentityTokenSetsModalIdentityTokenEnv`, "OIDC identity tokens: not issued by the emulator"},
	{`TestSandboxWithReadOnlyVolume`, "asserts exit code 1, what alpine's busybox sh returns for a refused redirection; the emulator runs images' commands with the host's /bin/sh (dash returns 2). The read-only mount itself is pinned by TestVolumeReadOnlyMount"},
	{`TestSandboxFsE2eWatch.*`, "filesystem Watch (inotify streams): bilancio uses none and the emulator's command router serves none"},
}

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
		if pkg == sdkRootPkg {
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
		if os.Getenv("BILANCIO_SDK_E2E_RUN") != "" {
			t.Logf("passed: %s", strings.Join(passed, " "))
		}
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

// TestModalSDKEndToEndCoverage checks sdkE2E and sdkE2ELeftOut against the
// SDK's source: every end-to-end test upstream (the test package, and the
// integration-tagged files of the root package) is either run or left out
// with a reason, never both, and every name listed exists.
func TestModalSDKEndToEndCoverage(t *testing.T) {
	if testing.Short() {
		t.Skip("reads the SDK's source from the module cache")
	}
	cmd := exec.CommandContext(t.Context(), "go", "mod", "download", "-json", sdkRootPkg)
	cmd.Dir = "sdktests"
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go mod download %s: %v", sdkRootPkg, err)
	}
	var mod struct{ Dir string }
	if err := json.Unmarshal(out, &mod); err != nil || mod.Dir == "" {
		t.Fatalf("go mod download -json: %v (%s)", err, out)
	}
	for pkg, dir := range map[string]string{sdkTestPkg: filepath.Join(mod.Dir, "test"), sdkRootPkg: mod.Dir} {
		tests := upstreamTests(t, dir, pkg == sdkRootPkg)
		run := regexp.MustCompile("^(" + strings.Join(sdkE2E[pkg], "|") + ")$")
		for _, name := range sdkE2E[pkg] {
			re := regexp.MustCompile("^" + name + "$")
			if !slices.ContainsFunc(slices.Collect(maps.Keys(tests)), re.MatchString) {
				t.Errorf("%s: %s is listed to run but no such test exists upstream", pkg, name)
			}
		}
		var left, noServer int
		for name, server := range tests {
			var reasons []string
			for _, lo := range sdkE2ELeftOut {
				if regexp.MustCompile("^" + lo.pattern + "$").MatchString(name) {
					reasons = append(reasons, lo.reason)
				}
			}
			switch runs := run.MatchString(name); {
			case runs && len(reasons) > 0:
				t.Errorf("%s: %s is both run and left out (%s)", pkg, name, reasons[0])
			case runs && !server:
				t.Errorf("%s: %s is run but reaches no server", pkg, name)
			case !runs && len(reasons) > 0:
				left++
			case !runs && !server:
				noServer++
			case !runs:
				t.Errorf("%s: %s is neither run nor left out with a reason", pkg, name)
			}
		}
		t.Logf("%s: %d end-to-end tests run, %d left out with a reason, %d reach no server (mock or no client)", pkg, len(tests)-left-noServer, left, noServer)
	}
}

// upstreamTests returns the top-level tests of the Go files in dir (only
// those built with the integration tag when integration is set), each
// with whether it reaches a server: it builds a client and uses no
// in-process gRPC mock.
func upstreamTests(t *testing.T, dir string, integration bool) map[string]bool {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*_test.go"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no tests in %s: %v", dir, err)
	}
	tests := map[string]bool{}
	fset := token.NewFileSet()
	for _, path := range files {
		src, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if integration && !bytes.Contains(src, []byte("//go:build integration")) {
			continue
		}
		f, err := parser.ParseFile(fset, path, src, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range f.Decls {
			fn, ok := d.(*ast.FuncDecl)
			if !ok || fn.Recv != nil || !strings.HasPrefix(fn.Name.Name, "Test") || fn.Name.Name == "TestMain" || fn.Body == nil {
				continue
			}
			body := string(src[fset.Position(fn.Body.Pos()).Offset:fset.Position(fn.Body.End()).Offset])
			mock := strings.Contains(body, "grpcmock") || strings.Contains(body, "Mock") || strings.Contains(body, "FakeWorker") || strings.Contains(body, "bufconn")
			client := strings.Contains(body, "newTestClient") || strings.Contains(body, "NewClient") || integration
			tests[fn.Name.Name] = client && !mock
		}
	}
	return tests
}
