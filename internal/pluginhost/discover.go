package pluginhost

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/hashicorp/go-hclog"

	"github.com/bilancio-go/bilancio/sdk"
)

// EnvPluginPath names the environment variable that lists plugin
// directories (separated like PATH), searched after -plugin-dir.
const EnvPluginPath = "BILANCIO_PLUGIN_PATH"

// Source says where a plugin directory comes from.
type Source string

// The places plugins are looked for, in search order.
const (
	SourceFlag       Source = "flag"       // -plugin-dir
	SourceEnv        Source = "env"        // $BILANCIO_PLUGIN_PATH
	SourceProject    Source = "project"    // ./.bilancio/plugins
	SourceUser       Source = "user"       // ~/.bilancio/plugins
	SourceExecutable Source = "executable" // the directory of the bilancio binary
)

// Options say where to look for plugins. The zero value searches the
// standard places of this process.
type Options struct {
	// PluginDir is the -plugin-dir flag; searched first when set, and it
	// must exist.
	PluginDir string
	// Getenv reads the environment; os.Getenv when nil.
	Getenv func(string) string
	// WorkDir is the directory ./.bilancio/plugins is relative to; the
	// current directory when empty.
	WorkDir string
	// HomeDir holds ~/.bilancio/plugins; the user's home when empty.
	HomeDir string
	// ExecDir is the directory of the bilancio binary; that of the running
	// executable when empty.
	ExecDir string
	// Logger gets a Debug line for every candidate with the reason it was
	// accepted or skipped; nothing is logged when nil.
	Logger hclog.Logger
	// All keeps skipped candidates (no checksum, shadowed by an earlier
	// one, not executable) in Discover's result, with Skipped set.
	All bool
}

// SearchDir is one directory plugins are looked for in.
type SearchDir struct {
	Path   string `json:"path"`
	Source Source `json:"source"`
}

// Candidate is a plugin binary found on disk.
type Candidate struct {
	// Name is the executor's name: the NAME of bilancio-executor-NAME.
	Name string `json:"name"`
	// Path is the binary, SumPath the NAME_SHA256SUM file beside it.
	Path    string `json:"path"`
	SumPath string `json:"sum_path"`
	// Dir is the directory it was found in, Source where that comes from.
	Dir    string `json:"dir"`
	Source Source `json:"source"`
	// Skipped says why the candidate is not used ("" when it is).
	Skipped string `json:"skipped,omitempty"`
	// ShadowedBy is the binary of the same name found earlier, if any.
	ShadowedBy string `json:"shadowed_by,omitempty"`
}

// DefaultUserDir is ~/.bilancio/plugins, where `bilancio plugins install`
// puts plugins by default.
func DefaultUserDir() (string, error) {
	home, err := os.UserHomeDir()
	if err != nil {
		return "", fmt.Errorf("finding the user plugin directory: %w", err)
	}
	return filepath.Join(home, ".bilancio", "plugins"), nil
}

func (o *Options) logger() hclog.Logger {
	if o.Logger == nil {
		return hclog.NewNullLogger()
	}
	return o.Logger
}

func (o *Options) getenv(key string) string {
	if o.Getenv == nil {
		return os.Getenv(key)
	}
	return o.Getenv(key)
}

// SearchDirs returns the directories plugins are looked for in, in order,
// each once. A directory that cannot be determined (no home directory) is
// left out; a -plugin-dir that does not exist is an error.
func SearchDirs(opts Options) ([]SearchDir, error) {
	log := opts.logger()
	var dirs []SearchDir
	seen := map[string]bool{}
	add := func(path string, src Source) {
		if path == "" {
			return
		}
		if abs, err := filepath.Abs(path); err == nil {
			path = abs
		}
		if seen[path] {
			return
		}
		seen[path] = true
		dirs = append(dirs, SearchDir{Path: path, Source: src})
	}
	if opts.PluginDir != "" {
		fi, err := os.Stat(opts.PluginDir)
		if err != nil {
			return nil, fmt.Errorf("plugin directory (-plugin-dir): %w", err)
		}
		if !fi.IsDir() {
			return nil, fmt.Errorf("plugin directory (-plugin-dir) %s is not a directory", opts.PluginDir)
		}
		add(opts.PluginDir, SourceFlag)
	}
	for _, p := range filepath.SplitList(opts.getenv(EnvPluginPath)) {
		add(p, SourceEnv)
	}
	work := opts.WorkDir
	if work == "" {
		if wd, err := os.Getwd(); err == nil {
			work = wd
		} else {
			log.Debug("no working directory: skipping ./.bilancio/plugins", "error", err)
		}
	}
	if work != "" {
		add(filepath.Join(work, ".bilancio", "plugins"), SourceProject)
	}
	home := opts.HomeDir
	if home == "" {
		if h, err := os.UserHomeDir(); err == nil {
			home = h
		} else {
			log.Debug("no home directory: skipping ~/.bilancio/plugins", "error", err)
		}
	}
	if home != "" {
		add(filepath.Join(home, ".bilancio", "plugins"), SourceUser)
	}
	execDir := opts.ExecDir
	if execDir == "" {
		if exe, err := os.Executable(); err == nil {
			if real, err := filepath.EvalSymlinks(exe); err == nil {
				exe = real
			}
			execDir = filepath.Dir(exe)
		} else {
			log.Debug("cannot locate the bilancio binary: skipping its directory", "error", err)
		}
	}
	add(execDir, SourceExecutable)
	return dirs, nil
}

// Discover finds the executor plugins in the search directories. The first
// acceptable binary of each name wins: an executable file named
// bilancio-executor-NAME with NAME_SHA256SUM beside it. Checksums are not
// verified here (Open does it before starting a plugin). Every candidate is
// logged at Debug with the reason it was accepted or skipped; with
// Options.All the skipped ones are returned too.
func Discover(ctx context.Context, opts Options) ([]Candidate, error) {
	dirs, err := SearchDirs(opts)
	if err != nil {
		return nil, err
	}
	log := opts.logger()
	var found []Candidate
	winner := map[string]string{}
	for _, d := range dirs {
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("discovering plugins: %w", err)
		}
		entries, err := os.ReadDir(d.Path)
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				log.Debug("plugin directory does not exist", "dir", d.Path, "source", d.Source)
			} else {
				log.Debug("cannot read plugin directory: skipped", "dir", d.Path, "source", d.Source, "error", err)
			}
			continue
		}
		log.Debug("searching plugin directory", "dir", d.Path, "source", d.Source)
		for _, e := range entries {
			name, ok := nameFromFile(e.Name())
			if !ok {
				continue
			}
			c := Candidate{
				Name: name, Path: filepath.Join(d.Path, e.Name()),
				SumPath: filepath.Join(d.Path, SumName(name)), Dir: d.Path, Source: d.Source,
			}
			if first, ok := winner[name]; ok {
				c.ShadowedBy, c.Skipped = first, "shadowed by "+first
			} else {
				c.Skipped = skipReason(c)
			}
			if c.Skipped == "" {
				winner[name] = c.Path
				log.Debug("plugin candidate accepted", "name", name, "path", c.Path, "source", d.Source)
			} else {
				log.Debug("plugin candidate skipped", "name", name, "path", c.Path, "source", d.Source, "reason", c.Skipped)
			}
			if c.Skipped == "" || opts.All {
				found = append(found, c)
			}
		}
	}
	return found, nil
}

// skipReason says why a candidate cannot be used, or "" when it can.
func skipReason(c Candidate) string {
	if !sdk.ValidExecutorName(c.Name) {
		return fmt.Sprintf("%q is not a valid executor name", c.Name)
	}
	fi, err := os.Stat(c.Path)
	switch {
	case err != nil:
		return fmt.Sprintf("cannot stat: %v", err)
	case !fi.Mode().IsRegular():
		return "not a regular file"
	case runtime.GOOS != "windows" && fi.Mode().Perm()&0o111 == 0:
		return "not executable"
	}
	if _, err := os.Stat(c.SumPath); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return "no " + filepath.Base(c.SumPath) + " beside it (install it with `bilancio plugins install`)"
		}
		return fmt.Sprintf("cannot stat %s: %v", filepath.Base(c.SumPath), err)
	}
	return ""
}

// NotFoundError reports an executor that no search directory holds.
type NotFoundError struct {
	Name     string
	Searched []SearchDir
	// Skipped are binaries of that name that could not be used.
	Skipped []Candidate
}

// Error implements error.
func (e *NotFoundError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "no executor plugin %q found", e.Name)
	for _, c := range e.Skipped {
		fmt.Fprintf(&b, "; %s skipped: %s", c.Path, c.Skipped)
	}
	paths := make([]string, len(e.Searched))
	for i, d := range e.Searched {
		paths[i] = d.Path
	}
	fmt.Fprintf(&b, " (searched %s for %s)", strings.Join(paths, ", "), BinaryName(e.Name))
	return b.String()
}

// Find discovers the plugin called name. When none is usable the error is a
// *NotFoundError listing the directories searched and the binaries skipped.
func Find(ctx context.Context, opts Options, name string) (Candidate, error) {
	if err := checkName(name); err != nil {
		return Candidate{}, err
	}
	opts.All = true
	all, err := Discover(ctx, opts)
	if err != nil {
		return Candidate{}, err
	}
	nf := &NotFoundError{Name: name}
	for _, c := range all {
		if c.Name != name {
			continue
		}
		if c.Skipped == "" {
			return c, nil
		}
		nf.Skipped = append(nf.Skipped, c)
	}
	nf.Searched, _ = SearchDirs(opts)
	return Candidate{}, nf
}
