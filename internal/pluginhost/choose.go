package pluginhost

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/hashicorp/go-hclog"

	"github.com/bilancio-go/bilancio/sdk"
)

// LocalExecutor is the name of bilancio's own executor, the one a sweep
// without an executor block runs on.
const LocalExecutor = "local"

// Builtins are the executors compiled into bilancio, by name: they can run
// in process. The command layer provides them (the local executor), so that
// this package depends on the sdk only, not on any executor.
type Builtins map[string]func() sdk.Executor

// Placement says where a sweep's runs execute.
type Placement string

const (
	// InProcess runs a built-in executor (the local one) inside bilancio
	// itself: no plugin binary, no gRPC. It is the fallback when the
	// executor's plugin is nowhere to be found (a lone `go install`ed
	// bilancio).
	InProcess Placement = "in-process"
	// PluginProcess runs the executor's plugin binary
	// (bilancio-executor-NAME), found in the plugin directories and checked
	// against its checksum. It is the default for every executor, and the
	// only way for those not built in.
	PluginProcess Placement = "plugin"
)

// Choice is the executor a sweep runs on, and where it runs.
type Choice struct {
	Name      string
	Placement Placement
	// Plugin is the plugin binary (PluginProcess only).
	Plugin Candidate
	// Config is the executor's configuration block as JSON.
	Config []byte
	// Env are "KEY=value" entries passed to the plugin process on top of
	// the few variables every plugin inherits (PluginProcess only): the
	// executor's own settings and credentials. They are never logged.
	Env []string
	// Liveness is how the plugin's batches are watched (PluginProcess
	// only; WithLiveness).
	Liveness Liveness
	// Fallback, for a built-in executor run in process because its plugin
	// was not found, says why ("" otherwise).
	Fallback string
	// builtin makes the executor in process (InProcess only).
	builtin func() sdk.Executor
}

// Choose decides where a sweep's runs execute. By default (an empty
// placement) every executor runs as its plugin binary, found where find
// says to look (its checksum is checked when it starts); only a built-in
// executor (the local one) whose plugin is found nowhere runs in this
// process instead, and the choice says so (Fallback, String). A plugin
// that is found but cannot be used (a checksum mismatch, say) is an error,
// never a reason to fall back. PluginProcess and InProcess force a
// placement. An empty name is the local executor.
func Choose(ctx context.Context, name string, config []byte, placement Placement, builtins Builtins, find Options) (*Choice, error) {
	if name == "" {
		name = LocalExecutor
	}
	c := &Choice{Name: name, Config: config, builtin: builtins[name]}
	switch placement {
	case "":
		cand, err := Find(ctx, find, name)
		var nf *NotFoundError
		switch {
		case err == nil:
			c.Placement, c.Plugin = PluginProcess, cand
			return c, nil
		case c.builtin != nil && errors.As(err, &nf):
			c.Placement = InProcess
			c.Fallback = fmt.Sprintf("no %s plugin was found", BinaryName(name))
			if len(nf.Skipped) > 0 {
				c.Fallback = fmt.Sprintf("no usable %s plugin was found (%s: %s)", BinaryName(name), nf.Skipped[0].Path, nf.Skipped[0].Skipped)
			}
			return c, nil
		default:
			return nil, fmt.Errorf("finding the %s executor: %w", name, err)
		}
	case InProcess:
		if c.builtin == nil {
			return nil, fmt.Errorf("the %s executor cannot run in process: it is not built into bilancio", name)
		}
	case PluginProcess:
	default:
		return nil, fmt.Errorf("unknown executor placement %q (want %s or %s)", placement, InProcess, PluginProcess)
	}
	c.Placement = placement
	if placement == PluginProcess {
		cand, err := Find(ctx, find, name)
		if err != nil {
			return nil, fmt.Errorf("finding the %s executor: %w", name, err)
		}
		c.Plugin = cand
	}
	return c, nil
}

// String describes the choice for people: "local (plugin
// /path/to/bilancio-executor-local)", "local (in process)" when asked for,
// or "local (in process: no bilancio-executor-local plugin was found)".
func (c *Choice) String() string {
	switch {
	case c.Placement == InProcess && c.Fallback != "":
		return c.Name + " (in process: " + c.Fallback + ")"
	case c.Placement == InProcess:
		return c.Name + " (in process)"
	}
	return c.Name + " (plugin " + c.Plugin.Path + ")"
}

// Opener returns the function that starts the chosen executor and hands it
// its configuration, with the function that stops it (the shape of
// sweep.ExecutorOpener). Plugin logs go to logger (nowhere when nil).
func (c *Choice) Opener(logger hclog.Logger) func(ctx context.Context) (sdk.Executor, func() error, error) {
	return func(ctx context.Context) (sdk.Executor, func() error, error) {
		var ex sdk.Executor
		closeFn := func() error { return nil }
		if c.Placement == InProcess {
			ex = c.builtin()
		} else {
			var opts []OpenOption
			if logger != nil {
				opts = append(opts, WithLogger(logger))
			}
			if len(c.Env) > 0 {
				opts = append(opts, WithEnv(c.Env...))
			}
			opts = append(opts, WithLiveness(c.Liveness))
			p, err := Open(ctx, c.Plugin, opts...)
			if err != nil {
				return nil, nil, fmt.Errorf("starting the %s executor: %w", c.Name, err)
			}
			ex, closeFn = p.Executor(), p.Close
		}
		if err := ex.Configure(ctx, &sdk.Config{JSON: c.Config}); err != nil {
			closeFn()
			return nil, nil, fmt.Errorf("configuring the %s executor: %w", c.Name, err)
		}
		return ex, closeFn, nil
	}
}

// Schema returns the configuration schema of the executor called name, for
// checking its block of a sweep file: a built-in executor's from this
// binary, any other's by running its plugin's describe.
func Schema(ctx context.Context, name string, builtins Builtins, find Options) ([]sdk.ConfigAttribute, error) {
	if newEx := builtins[name]; newEx != nil {
		info, err := newEx().Describe(ctx)
		if err != nil {
			return nil, err
		}
		return info.ConfigSchema, nil
	}
	cand, err := Find(ctx, find, name)
	if err != nil {
		return nil, fmt.Errorf("finding the %s executor: %w", name, err)
	}
	info, err := DescribeBinary(ctx, cand.Path)
	if err != nil {
		return nil, fmt.Errorf("describing the %s executor: %w", name, err)
	}
	return info.ConfigSchema, nil
}

// ExecutorEnv picks from environ ("KEY=value" entries, as os.Environ gives
// them) the variables the executor called name reads: MODAL_* (credentials,
// profile, server), BILANCIO_MODAL_* and BILANCIO_CLOUD_* for the modal
// executor, SLURM_CONF and SBATCH_* besides BILANCIO_SLURM_* for the slurm
// executor, BILANCIO_<NAME>_* for any other. Plugins inherit no other
// variables (WithEnv), so credentials reach only their executor.
func ExecutorEnv(name string, environ []string) []string {
	prefixes := []string{"BILANCIO_" + strings.ToUpper(name) + "_"}
	if name == "modal" {
		prefixes = append(prefixes, "MODAL_", "BILANCIO_CLOUD_")
	}
	if name == "slurm" {
		// Where Slurm's configuration is, and the user's sbatch defaults.
		prefixes = append(prefixes, "SLURM_CONF=", "SBATCH_")
	}
	if name == LocalExecutor {
		return nil
	}
	var env []string
	for _, kv := range environ {
		for _, p := range prefixes {
			if strings.HasPrefix(kv, p) {
				env = append(env, kv)
				break
			}
		}
	}
	return env
}
