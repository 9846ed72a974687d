package core

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/hashicorp/cli"
)

// bilancio dispatches its own commands without hashicorp/cli, which
// bilancio-sweep uses: the same command lines give the same output, on the
// same streams, and the same exit codes.
func TestDispatchAsHashicorpCLI(t *testing.T) {
	lines := []string{
		"", "-h", "--help", "-help", "help", "-v", "--version", "-version",
		"run -h", "run -help", "run -- -h", "ring", "ring -h", "ring frob", "ring generate -h",
		"ring generate -n-agents x", "frob", "frob -h", "-x run", "run", "version -h", "validate",
		"analyze -h", "report -h", "sweep -h", "dev", "ring generate --", "  ", "ring  generate -h",
	}
	for _, line := range lines {
		args := strings.Split(line, " ")
		if line == "" {
			args = nil
		}
		t.Run(line, func(t *testing.T) {
			var mockOut, mockErr bytes.Buffer
			theirs := cli.NewCLI("bilancio", "1.2.3")
			theirs.Args = args
			theirs.HelpWriter, theirs.ErrorWriter = &mockOut, &mockErr
			theirs.HiddenCommands = []string{"dev"}
			theirUI := cli.NewMockUi()
			theirs.Commands = map[string]cli.CommandFactory{}
			for name, f := range Table(Meta{Ctx: context.Background(), UI: theirUI}) {
				theirs.Commands[name] = func() (cli.Command, error) { return f() }
			}
			theirCode, err := theirs.Run()
			if err != nil {
				t.Fatal(err)
			}

			var out, errOut bytes.Buffer
			ourUI := cli.NewMockUi()
			ourCode := dispatch("1.2.3", Table(Meta{Ctx: context.Background(), UI: ourUI}), []string{"dev"}, args, &out, &errOut)

			if ourCode != theirCode {
				t.Errorf("exit code %d, hashicorp/cli's %d", ourCode, theirCode)
			}
			if got, want := out.String()+ourUI.OutputWriter.String(), mockOut.String()+theirUI.OutputWriter.String(); got != want {
				t.Errorf("stdout\n%s\nhashicorp/cli's\n%s", got, want)
			}
			if got, want := errOut.String()+ourUI.ErrorWriter.String(), mockErr.String()+theirUI.ErrorWriter.String(); got != want {
				t.Errorf("stderr\n%s\nhashicorp/cli's\n%s", got, want)
			}
		})
	}
	if RunResultHelp != cli.RunResultHelp {
		t.Errorf("RunResultHelp %d, hashicorp/cli's %d", RunResultHelp, cli.RunResultHelp)
	}
}
