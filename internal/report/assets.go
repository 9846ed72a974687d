package report

import (
	_ "embed"
)

//go:generate go test -run ^TestAssetsGenerated$ -update .

// assets are the pages' style sheets and scripts, minified: the sources
// (run.css, run.js, ...) stay readable in the repository, and every page
// carries the small form, prepared when the sources change, not when a
// process starts: `go generate ./internal/report` writes assets_gen.go
// (assets_build_test.go minifies and packs them; TestAssetsGenerated fails
// when assets_gen.go is not what the sources give). So no binary carries
// the minifier, and `bilancio run` does not minify ~60 KB of sources at
// every start.
//
// run.html, written for every run of a sweep, carries its script packed:
// gzip-compressed and base64-encoded, a third of its minified size, with a
// loader that unpacks it with the browser's DecompressionStream (runLoader).
type assets struct {
	runCSS          string
	runLoader       string // the <script> body that unpacks and runs run.js
	runDealerLoader string // the same for a dealer run, with run_dealer.js
	dashCSS         string // the sweep pages' (dashboards, comparisons)
	dashJS          string // the sweep dashboard's script: page.js and dashboard.js
	pairJS          string // the paired dashboard's: page.js and paired.js
}

// pageJS is what the sweep pages' scripts share (element building, the
// number rule, downloads, the data table); a page's script is it followed
// by the page's own, in one function (sweepScript in assets_build_test.go).
//
//go:embed page.js
var pageJS string

// pageAssets returns the minified assets (assets_gen.go).
func pageAssets() *assets {
	return &assets{
		runCSS:          genRunCSS,
		runLoader:       genRunLoader,
		runDealerLoader: genRunDealerLoader,
		dashCSS:         genDashCSS,
		dashJS:          genDashJS,
		pairJS:          genPairJS,
	}
}
