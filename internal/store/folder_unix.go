//go:build unix && !linux

package store

import "golang.org/x/sys/unix"

// folderOpenFlag opens a folder for *at calls: other Unixes have no
// O_PATH, so the folder is opened for reading.
const folderOpenFlag = unix.O_RDONLY
