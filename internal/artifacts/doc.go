// Package artifacts writes and reads the files of a bilancio run folder,
// byte-compatible with bilancio (Python): scenario.yaml, run.html and
// out/{events.jsonl, balances.csv, metrics.csv, metrics.json,
// metrics_ds.csv, metrics_intraday.csv}.
//
// It carries its own encoders because Go's standard ones differ from Python's
// in the details that change bytes: an ordered JSON encoder that writes what
// Python's json.dumps writes (ensure_ascii escapes, ", " and ": " separators,
// indent=2, repr of floats), and a CSV writer that writes what Python's
// csv.writer writes (CRLF, minimal quoting, a lone empty field as ""). See
// spec/engine.md §6 and §8 in the shared folder.
//
// WriteRun writes a whole run folder through sdk/runfolder (each file hashed
// as written, to a temporary name renamed into place, the manifest last).
// The values written come from package metrics; run.html is rendered by the
// caller.
package artifacts
