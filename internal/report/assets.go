package report

import (
	"bytes"
	"compress/gzip"
	_ "embed"
	"encoding/base64"
	"encoding/json"
	"sync"

	"github.com/tdewolff/minify/v2"
	"github.com/tdewolff/minify/v2/css"
	"github.com/tdewolff/minify/v2/js"
)

// assets are the pages' style sheets and scripts, minified: the sources
// (run.css, run.js, ...) stay readable in the repository, and every page
// carries the small form. They are prepared once per process.
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
// by the page's own, in one function (sweepScript).
//
//go:embed page.js
var pageJS string

// sweepScript is the script of a sweep page: page.js and the page's own
// src, in one strict function so that nothing leaks into the page's
// global scope.
func sweepScript(src string) string {
	return "(() => {\n\"use strict\";\n" + pageJS + "\n" + src + "\n})();\n"
}

// minifier minifies CSS and JavaScript.
func minifier() *minify.M {
	m := minify.New()
	m.AddFunc("text/css", css.Minify)
	m.AddFunc("text/javascript", js.Minify)
	return m
}

// jsConst is a JavaScript declaration of the string constant name.
func jsConst(name, value string) string {
	q, _ := json.Marshal(value)
	return "const " + name + "=" + string(q) + ";"
}

// packScript wraps a script into a loader that unpacks it (gzip, base64)
// and runs it; a browser without DecompressionStream says so in the page.
func packScript(src string) string {
	var z bytes.Buffer
	w, _ := gzip.NewWriterLevel(&z, gzip.BestCompression)
	w.Write([]byte(src))
	w.Close()
	return `(async()=>{try{const b=Uint8Array.from(atob("` + base64.StdEncoding.EncodeToString(z.Bytes()) +
		`"),c=>c.charCodeAt(0));Function(await new Response(new Blob([b]).stream().pipeThrough(new DecompressionStream("gzip"))).text())()}` +
		`catch(e){document.getElementById("days").textContent="This browser cannot draw the page's charts and day sections: "+e;throw e}})()`
}

// pageAssets returns the minified assets, preparing them on first use.
var pageAssets = sync.OnceValue(func() *assets {
	m := minifier()
	small := func(mime, src string) string {
		out, err := m.String(mime, src)
		if err != nil { // a bad asset fails TestAssetsMinify; ship it as written
			return src
		}
		return out
	}
	drawn, js := jsConst("CSS", small("text/css", runDrawnCSS)), small("text/javascript", runJS)
	return &assets{
		runCSS:          small("text/css", runCSS),
		runLoader:       packScript(drawn + js),
		runDealerLoader: packScript(drawn + small("text/javascript", runDealerJS) + js),
		dashCSS:         small("text/css", dashboardCSS),
		dashJS:          small("text/javascript", sweepScript(dashboardJS)),
		pairJS:          small("text/javascript", sweepScript(pairedJS)),
	}
})
