//go:build unix && !linux

package store

import "golang.org/x/sys/unix"

// dirOpenFlags opens a folder for fstatat (O_PATH is Linux's).
const dirOpenFlags = unix.O_RDONLY
