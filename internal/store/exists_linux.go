package store

import "golang.org/x/sys/unix"

// dirOpenFlags opens a folder for fstatat only (no read permission needed).
const dirOpenFlags = unix.O_PATH
