//go:build !linux

package runfolder

import "errors"

// rawSupported tells that this system has the fast path (see
// raw_linux.go); elsewhere files go through os.Root.
const rawSupported = false

type rawFolder struct{}

type rawFile int

func (rawFile) Write([]byte) (int, error) { return 0, errors.ErrUnsupported }

func openRawFolder(string) (*rawFolder, error) { return nil, errors.ErrUnsupported }

func (*rawFolder) close() error { return nil }

func (*rawFolder) create(string, func(rawFile) (string, int64, error)) (string, int64, stamp, error) {
	return "", 0, stamp{}, errors.ErrUnsupported
}

func quickCheck(string, string, string) (*Sealed, bool, error) { return nil, false, nil }

func (*rawFolder) lstat(string) error { return errors.ErrUnsupported }

func (*rawFolder) mkdirTemp(string) (string, int, error) { return "", -1, errors.ErrUnsupported }

func (*rawFolder) place(string, string, string) error { return errors.ErrUnsupported }
