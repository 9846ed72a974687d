// Command bilancio-modal-emulator serves internal/modalemu, an emulator of
// Modal's control plane and task command router, on 127.0.0.1, for trying
// the modal executor without Modal (`make run-modal-demo`). It prints the
// environment that points the modal executor (and Modal's Go SDK) at it and
// serves until interrupted. `bilancio dev modal-emulator` runs it.
//
// It is a binary of its own so that bilancio itself does not link Modal's
// protocol: every start of bilancio would pay for its registration.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/bilancio-go/bilancio/internal/modalemu"
)

const usageText = `Usage: bilancio-modal-emulator [options]

  Starts internal/modalemu, an emulator of Modal's control plane and task
  command router that runs sandboxes as local processes (in mount
  namespaces of their own when run as root on Linux) and keeps volumes as
  local folders with Modal's commit semantics, on a free port of
  127.0.0.1, prints the environment that points the modal executor (and
  Modal's Go SDK) at it (MODAL_SERVER_URL=..., one per line) and serves
  until interrupted. It accepts only the -token-id and -token-secret given
  here. A development aid, not part of the product.

Options:
`

func main() {
	os.Exit(run(os.Args[1:]))
}

func run(args []string) int {
	fs := flag.NewFlagSet("bilancio-modal-emulator", flag.ContinueOnError)
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), usageText)
		fs.PrintDefaults()
	}
	var opts modalemu.Options
	var isolation string
	fs.StringVar(&opts.TokenID, "token-id", "emulator-token-id", "the token id the emulator accepts")
	fs.StringVar(&opts.TokenSecret, "token-secret", "emulator-token-secret", "the token secret the emulator accepts")
	fs.StringVar(&opts.Root, "root", "", "the folder holding volumes and sandboxes (default: a temporary one, removed on exit)")
	fs.StringVar(&isolation, "isolation", "auto", "how sandboxes run: auto, isolated (own mount namespace, needs root on Linux) or mapped")
	fs.IntVar(&opts.MaxSandboxes, "max-sandboxes", 0, "sandboxes running at once; creates past it wait, then fail with RESOURCE_EXHAUSTED (0: no limit)")
	fs.DurationVar(&opts.CapacityWait, "capacity-wait", 0, "how long a create waits for capacity (default 30s)")
	fs.DurationVar(&opts.ColdStart, "cold-start", 0, "time from scheduling to a running sandbox")
	fs.DurationVar(&opts.ImageBuild, "image-build", 0, "time to build one new image layer")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 1
	}
	if fs.NArg() != 0 {
		fmt.Fprintf(os.Stderr, "Error: bilancio-modal-emulator takes no arguments, got %q\n", fs.Args())
		return 1
	}
	iso, ok := map[string]modalemu.Isolation{"auto": modalemu.IsolationAuto, "isolated": modalemu.IsolationRequired, "mapped": modalemu.IsolationOff}[isolation]
	if !ok {
		fmt.Fprintf(os.Stderr, "Error: -isolation must be auto, isolated or mapped, got %q\n", isolation)
		return 1
	}
	opts.Isolation = iso
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	srv, err := modalemu.Start(ctx, opts)
	if err != nil {
		fmt.Fprintf(os.Stderr, "Error: starting the emulator: %v\n", err)
		return 1
	}
	defer srv.Close()
	fmt.Println("MODAL_SERVER_URL=" + srv.URL())
	fmt.Println("MODAL_TOKEN_ID=" + opts.TokenID)
	fmt.Println("MODAL_TOKEN_SECRET=" + opts.TokenSecret)
	<-ctx.Done()
	return 0
}
