// Package modalemu is a local emulator of Modal (modal.com) for the
// unmodified Modal Go SDK, github.com/modal-labs/modal-client/go v0.11.x.
//
// It serves both gRPC services that SDK talks to on one loopback port: the
// control plane (modal.client.ModalClient, at MODAL_SERVER_URL) and the task
// command router (modal.task_command_router.TaskCommandRouter), whose
// https:// URL the control plane hands out and which the SDK dials without
// TLS because the server URL is a loopback address
// (spec/modal-v0.11.md §0.2, §5.6). Sandboxes run as local processes;
// volumes are local folders with Modal's commit and reload semantics.
//
// The emulator follows the service's documented semantics rather than a
// client's convenience, and each of them is pinned by a test that cites
// where it is stated (the SDK's source, tests and CHANGELOG, or modal.com's
// guides): a sandbox sees a volume as of its mount and its writes reach the
// volume when it shuts down or reloads; Terminate is asynchronous unless the
// caller waits; creation blocks until the sandbox is scheduled and fails with
// RESOURCE_EXHAUSTED when no capacity frees up in time; an exec that hits
// its timeout is killed with signal 9 (exit 137); names and timeouts are
// checked as the service checks them. Options add a cold-start latency, an
// image build time and a limit of concurrent sandboxes, and the Server has
// fault injection (gRPC errors, a sandbox dying, hanging or being
// preempted) for executor tests.
//
// Sandboxes run in one of two ways. Isolated (Linux, run as root): each
// sandbox gets its own mount namespace, set up from this process (one OS
// thread kept for it: no helper process), with a private copy-on-write
// view of the host's root file system, its volumes mounted at their real
// paths (read-only mounts really read-only), so commands see the same
// paths as on Modal; execs run rooted in it (image builds use util-linux's
// unshare and chroot). Mapped
// (everywhere else): processes run on the host and absolute paths in their
// argv, workdir and file API calls are mapped to the sandbox's folders
// (PathMapper); paths inside shell strings are not. Options.Isolation picks
// one; the default uses isolation when the host supports it.
package modalemu
