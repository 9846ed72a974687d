package sweep

import (
	"context"
	"fmt"
	"strings"

	"github.com/hashicorp/go-hclog"

	"github.com/bilancio-go/bilancio/internal/pluginhost"
	"github.com/bilancio-go/bilancio/sdk"
)

// LocalExecutor is the name of bilancio's own executor.
const LocalExecutor = "local"

// Builtins are the executors compiled into bilancio, by name: they can run
// in process. The command layer provides them (the local executor), so that
// this package depends on the sdk only, not on any executor.
type Builtins map[string]func() sdk.Executor

// ExecutorOpener starts an executor, configured and ready for batches, and
// returns the function that stops it. The runner calls it when it first
// needs the executor, and again after the executor crashed.
type ExecutorOpener func(ctx context.Context) (sdk.Executor, func() error, error)

// Placement says where a sweep's runs execute.
type Placement string

const (
	// InProcess runs the local executor inside bilancio itself: no plugin
	// binary, no gRPC. It is the default for the local executor.
	InProcess Placement = "in-process"
	// PluginProcess runs the executor's plugin binary
	// (bilancio-executor-NAME), found in the plugin directories. Every
	// executor but local can only run this way.
	PluginProcess Placement = "plugin"
)

// ExecutorChoice is the executor a sweep runs on, and where it runs.
type ExecutorChoice struct {
	Name      string
	Placement Placement
	// Plugin is the plugin binary (PluginProcess only).
	Plugin pluginhost.Candidate
	// Config is the executor's configuration block as JSON.
	Config []byte
	// Env are "KEY=value" entries passed to the plugin process on top of
	// the few variables every plugin inherits (PluginProcess only): the
	// executor's own settings and credentials. They are never logged.
	Env []string
	// Liveness is how the plugin's batches are watched (PluginProcess
	// only; pluginhost.WithLiveness).
	Liveness pluginhost.Liveness
	// builtin makes the executor in process (InProcess only).
	builtin func() sdk.Executor
}

// ChooseExecutor decides where a sweep's runs execute. A built-in executor
// (the local one) runs in this process unless placement is PluginProcess;
// any other executor runs as its plugin binary, which must be found (find
// says where to look). An empty ref.Name is the local executor, and an empty
// placement the default.
func ChooseExecutor(ctx context.Context, ref ExecutorRef, placement Placement, builtins Builtins, find pluginhost.Options) (*ExecutorChoice, error) {
	name := ref.Name
	if name == "" {
		name = LocalExecutor
	}
	c := &ExecutorChoice{Name: name, Config: ref.Config, builtin: builtins[name]}
	switch placement {
	case "":
		placement = PluginProcess
		if c.builtin != nil {
			placement = InProcess
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
		cand, err := pluginhost.Find(ctx, find, name)
		if err != nil {
			return nil, fmt.Errorf("finding the %s executor: %w", name, err)
		}
		c.Plugin = cand
	}
	return c, nil
}

// String describes the choice for people: "local (in process)" or
// "local (plugin /path/to/bilancio-executor-local)".
func (c *ExecutorChoice) String() string {
	if c.Placement == InProcess {
		return c.Name + " (in process)"
	}
	return c.Name + " (plugin " + c.Plugin.Path + ")"
}

// Opener returns the function that starts the chosen executor and hands it
// its configuration. Plugin logs go to logger (nowhere when nil).
func (c *ExecutorChoice) Opener(logger hclog.Logger) ExecutorOpener {
	return func(ctx context.Context) (sdk.Executor, func() error, error) {
		var ex sdk.Executor
		closeFn := func() error { return nil }
		if c.Placement == InProcess {
			ex = c.builtin()
		} else {
			var opts []pluginhost.OpenOption
			if logger != nil {
				opts = append(opts, pluginhost.WithLogger(logger))
			}
			if len(c.Env) > 0 {
				opts = append(opts, pluginhost.WithEnv(c.Env...))
			}
			opts = append(opts, pluginhost.WithLiveness(c.Liveness))
			p, err := pluginhost.Open(ctx, c.Plugin, opts...)
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

// ExecutorSchema returns the configuration schema of the executor called
// name, for checking its block of a sweep file: a built-in executor's from
// this binary, any other's by running its plugin's describe.
func ExecutorSchema(ctx context.Context, name string, builtins Builtins, find pluginhost.Options) ([]sdk.ConfigAttribute, error) {
	if newEx := builtins[name]; newEx != nil {
		info, err := newEx().Describe(ctx)
		if err != nil {
			return nil, err
		}
		return info.ConfigSchema, nil
	}
	cand, err := pluginhost.Find(ctx, find, name)
	if err != nil {
		return nil, fmt.Errorf("finding the %s executor: %w", name, err)
	}
	info, err := pluginhost.DescribeBinary(ctx, cand.Path)
	if err != nil {
		return nil, fmt.Errorf("describing the %s executor: %w", name, err)
	}
	return info.ConfigSchema, nil
}

// ExecutorEnv picks from environ ("KEY=value" entries, as os.Environ gives
// them) the variables the executor called name reads: MODAL_* (credentials,
// profile, server), BILANCIO_MODAL_* and BILANCIO_CLOUD_* for the modal
// executor, BILANCIO_<NAME>_* for any other. Plugins inherit no other
// variables (pluginhost.WithEnv), so credentials reach only their executor.
func ExecutorEnv(name string, environ []string) []string {
	prefixes := []string{"BILANCIO_" + strings.ToUpper(name) + "_"}
	if name == "modal" {
		prefixes = append(prefixes, "MODAL_", "BILANCIO_CLOUD_")
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
