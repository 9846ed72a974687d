package runner

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/bilancio-go/bilancio/internal/artifacts"
	"github.com/bilancio-go/bilancio/internal/atomicfile"
	"github.com/bilancio-go/bilancio/internal/engine"
	"github.com/bilancio-go/bilancio/internal/report"
	"github.com/bilancio-go/bilancio/sdk/runfolder"
)

// Rebuilt says what Rebuild did to a run folder.
type Rebuilt struct {
	// Written are the files Rebuild wrote, Checked the recorded files whose
	// checksums the simulation reproduced.
	Written, Checked []string
}

// Rebuild writes again the files a complete run folder dir does not keep
// (see sdk.RunOptions' Artifacts): run.html, the files its manifest lists
// that were removed since, and with all every out/ file too. bilancio's runs are deterministic, so they come from simulating
// dir/scenario.yaml again with opts; every file the manifest lists is
// checked against the new run first, and a run that does not reproduce
// them (other options than the recorded run's) writes nothing and says
// which file differs. Files the folder already has are left alone. The
// manifest is not changed: the files Rebuild writes are views of the
// recorded run, not part of its record.
func Rebuild(ctx context.Context, dir string, opts engine.Options, all bool) (*Rebuilt, error) {
	m, missing, err := recorded(dir)
	if err != nil {
		return nil, err
	}
	scenarioPath := filepath.Join(dir, artifacts.ScenarioFile)
	data, err := os.ReadFile(scenarioPath)
	if err != nil {
		return nil, fmt.Errorf("cannot rebuild %s without its scenario: %w", dir, err)
	}
	sc, err := engine.Load(scenarioPath, data)
	if err != nil {
		return nil, err
	}
	opts.Snapshots = true
	res, err := engine.Run(ctx, sc, opts)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", scenarioPath, err)
	}
	files, rep, err := artifacts.RunOutputs(res, m.RunID)
	if err != nil {
		return nil, err
	}
	var page bytes.Buffer
	if err := report.WriteRunHTML(&page, sc, res, Summary(rep)); err != nil {
		return nil, fmt.Errorf("rendering %s: %w", artifacts.RunHTMLFile, err)
	}
	files = append(files, artifacts.File{Name: artifacts.RunHTMLFile, Data: page.Bytes()})
	byName := make(map[string][]byte, len(files))
	for _, f := range files {
		byName[f.Name] = f.Data
	}
	out := &Rebuilt{}
	pageDiffers := false
	for _, e := range m.Files {
		data, ok := byName[e.Name]
		if !ok {
			continue // scenario.yaml: the input itself
		}
		if sum := sha256.Sum256(data); hex.EncodeToString(sum[:]) != e.SHA256 {
			if e.Name == artifacts.RunHTMLFile {
				pageDiffers = true // a view, not data: told below, if the data agree
				continue
			}
			return nil, fmt.Errorf("simulating %s again does not reproduce its %s: the run was made with other options than these (see bilancio run -help)", dir, e.Name)
		}
		out.Checked = append(out.Checked, e.Name)
	}
	if pageDiffers {
		return nil, fmt.Errorf("%s: its data files are reproduced, but its run.html was rendered by another version of bilancio (%s) than this one, and a new page would not match its manifest", dir, m.Engine)
	}
	for _, f := range files {
		if !all && f.Name != artifacts.RunHTMLFile && !missing[f.Name] {
			continue
		}
		path := filepath.Join(dir, filepath.FromSlash(f.Name))
		if _, err := os.Lstat(path); err == nil {
			continue
		} else if !errors.Is(err, os.ErrNotExist) {
			return out, err
		}
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return out, fmt.Errorf("writing %s: %w", path, err)
		}
		if err := atomicfile.Write(path, 0o644, false, bytes.NewReader(f.Data)); err != nil {
			return out, err
		}
		out.Written = append(out.Written, f.Name)
	}
	return out, nil
}

// recorded returns the manifest of the run folder dir and the files it
// lists that are missing: a folder whose listed files are all there and
// intact, or only missing, can be rebuilt; one with a file changed (or no
// manifest) cannot.
func recorded(dir string) (*runfolder.Manifest, map[string]bool, error) {
	sealed, err := runfolder.Verify(dir)
	if err == nil {
		return sealed.Manifest, nil, nil
	}
	var ve *runfolder.VerifyError
	if !errors.As(err, &ve) {
		return nil, nil, fmt.Errorf("%s is not a complete run folder: %w", dir, err)
	}
	missing := map[string]bool{}
	for _, p := range ve.Problems {
		if p.Kind != runfolder.Missing || p.File == "" || p.File == runfolder.ManifestFile || p.File == runfolder.ScenarioFile {
			return nil, nil, fmt.Errorf("%s is not a complete run folder: %w", dir, err)
		}
		missing[p.File] = true
	}
	m, _, err := runfolder.ReadManifest(dir)
	if err != nil {
		return nil, nil, fmt.Errorf("%s is not a complete run folder: %w", dir, err)
	}
	return m, missing, nil
}
