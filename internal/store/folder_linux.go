package store

import "golang.org/x/sys/unix"

// folderOpenFlag opens a folder for *at calls only: Linux's O_PATH needs no
// read permission and reads nothing.
const folderOpenFlag = unix.O_PATH
