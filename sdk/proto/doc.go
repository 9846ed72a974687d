// Package executorv1 is the Go code generated from executor.proto, the
// executor protocol (bilancio.executor.v1) between bilancio and its
// executor plugins. Plugin authors do not use it: package sdk converts it to
// and from its own types. Regenerate it with `make proto`.
package executorv1
