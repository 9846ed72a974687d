package config

import (
	"context"

	"github.com/hashicorp/hcl/v2"

	"github.com/bilancio-go/bilancio/sdk"
)

// EnvPrefix starts the environment variables that set input variables:
// BILANCIO_VAR_n_agents=100 sets var.n_agents.
const EnvPrefix = "BILANCIO_VAR_"

// Options are what Load needs besides the sweep file: the values of its input
// variables from the command line and the environment, and the executors'
// configuration schemas.
type Options struct {
	// Vars are the -var options, each "name=value", in command-line order.
	Vars []string
	// VarFiles are the -var-file paths, in command-line order. Each is an
	// HCL file of `name = value` lines (JSON when its name ends in .json).
	VarFiles []string
	// LookupEnv reads the environment (os.LookupEnv in the CLI); it is asked
	// for BILANCIO_VAR_<name> of every declared variable, and for the Env
	// variable of a required executor attribute. Nil reads nothing.
	LookupEnv func(key string) (string, bool)
	// SchemaFor returns the configuration schema of the executor plugin
	// called name (sdk.Info.ConfigSchema; the CLI asks the plugin found by
	// pluginhost). It is called for the executor the sweep uses, only. When
	// it is nil, the executor block is taken as written, with no schema to
	// check it against (the plugin still checks it in Configure).
	SchemaFor func(ctx context.Context, name string) ([]sdk.ConfigAttribute, error)
	// Files, when not nil, receives every source Load reads, by the name its
	// diagnostics use: the sweep file, the -var-file files, and the text of
	// each -var and environment value. Pass it to FormatDiagnostics to show
	// source snippets.
	Files map[string]*hcl.File
}

// lookupEnv reads key from the environment Options give.
func (o *Options) lookupEnv(key string) (string, bool) {
	if o.LookupEnv == nil {
		return "", false
	}
	return o.LookupEnv(key)
}

// addFile records a source for diagnostics.
func (o *Options) addFile(name string, f *hcl.File) {
	if o.Files != nil && f != nil {
		o.Files[name] = f
	}
}
