//go:build sdktests

// Package sdktests only records the modules Modal's end-to-end tests import,
// so that go mod tidy keeps them.
package sdktests

import (
	_ "github.com/modal-labs/modal-client/go"
	_ "github.com/onsi/gomega"
	_ "go.uber.org/goleak"
)
