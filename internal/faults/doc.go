// Package faults is bilancio's standing fault suite (`make faults`, run by
// CI): real bilancio processes and executor plugins, killed, interrupted,
// starved of disk, raced, tampered with and their results damaged, and
// checked to lose nothing, repeat nothing, name what went wrong, agree on
// their counts everywhere (console, registry, summary.json, sweep status)
// and end with results byte-identical to an undisturbed sweep's.
//
// Its tests carry the build tag "faults", so that `make test` does not run
// them twice: `go test -tags faults ./internal/faults/`.
package faults
