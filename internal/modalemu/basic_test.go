package modalemu

import (
	"strings"
	"testing"

	modal "github.com/modal-labs/modal-client/go"
)

// TestBasicFlow runs the batch executor's path with the real SDK: app,
// volume, a sandbox with the volume, exec, file writes and reads, tags,
// list and terminate (spec/modal-v0.11.md Appendix A).
func TestBasicFlow(t *testing.T) {
	t.Parallel()
	for _, iso := range []Isolation{IsolationOff, IsolationRequired} {
		t.Run(map[Isolation]string{IsolationOff: "mapped", IsolationRequired: "isolated"}[iso], func(t *testing.T) {
			t.Parallel()
			if iso == IsolationRequired {
				if _, err := newIsolatedRuntime(); err != nil {
					t.Skipf("isolation unavailable: %v", err)
				}
			}
			srv := startEmulator(t, Options{Isolation: iso})
			c := newClient(t, srv)
			ctx := t.Context()
			app, img := testApp(t, c)
			vol, err := c.Volumes.FromName(ctx, "results", &modal.VolumeFromNameParams{CreateIfMissing: true, Version: 2})
			if err != nil {
				t.Fatal(err)
			}
			sb, err := c.Sandboxes.Create(ctx, app, img, &modal.SandboxCreateParams{
				Volumes: map[string]*modal.Volume{"/mnt/results": vol},
				Tags:    map[string]string{"job": "j1"},
				Env:     map[string]string{"A": "1"},
			})
			if err != nil {
				t.Fatal(err)
			}
			if err := sb.Filesystem.WriteText(ctx, "hello", "/mnt/results/x/hello.txt", nil); err != nil {
				t.Fatal(err)
			}
			text, err := sb.Filesystem.ReadText(ctx, "/mnt/results/x/hello.txt", nil)
			if err != nil || text != "hello" {
				t.Fatalf("ReadText = %q, %v", text, err)
			}
			out, _, code := execOut(t, sb, "cat", "/mnt/results/x/hello.txt")
			if out != "hello" || code != 0 {
				t.Fatalf("cat: %q, %d", out, code)
			}
			out, _, _ = execOut(t, sb, "sh", "-c", "echo $A")
			if strings.TrimSpace(out) != "1" {
				t.Errorf("env A = %q", out)
			}
			it, err := c.Sandboxes.List(ctx, &modal.SandboxListParams{Tags: map[string]string{"job": "j1"}})
			if err != nil {
				t.Fatal(err)
			}
			n := 0
			for s, err := range it {
				if err != nil {
					t.Fatal(err)
				}
				if s.SandboxID != sb.SandboxID {
					t.Errorf("listed %s", s.SandboxID)
				}
				n++
			}
			if n != 1 {
				t.Errorf("listed %d sandboxes", n)
			}
			if code := terminate(t, sb); code != 137 {
				t.Errorf("terminate: exit %d, want 137", code)
			}
		})
	}
}
