// Package store keeps an experiment folder: its layout (experiment.json,
// sweep.hcl, registry/, runs/, aggregate/), the lock that keeps two
// processes out of one experiment, the journal (registry/journal.jsonl, the
// runner's append-only memory) with its compact in-memory index, the check
// that a run folder is done (its manifest verifies, cheaply through the
// sizes and modification times the journal recorded, in full on request),
// the registry and aggregate files rebuilt from the runs as streams, and an
// experiment's status.
//
// It knows runs as plain rows (Record: ids, keys, parameters as printed);
// planning them and executing them is package sweep's.
package store
