// Package browsertest opens bilancio's HTML pages (run.html, the sweep
// dashboard) in a real headless Chromium and checks that they load without
// console errors or exceptions and show what they should. Its tests skip
// when Chromium is not installed (/usr/bin/chromium, or the path in
// BILANCIO_CHROMIUM). Screenshots go to the directory named by
// BILANCIO_TEST_ARTIFACTS, or to a temporary directory.
package browsertest
