//go:build !unix

package store

import "errors"

// ErrLocked reports an experiment that another bilancio process is running.
var ErrLocked = errors.New("the experiment is being run by another bilancio process")

// Lock is a no-op where flock is not available.
func (s *Store) Lock() (func(), error) { return func() {}, nil }

// Locked reports false where flock is not available.
func (s *Store) Locked() bool { return false }
