package sdktest

import (
	"github.com/bilancio-go/bilancio/sdk/runfolder"
)

// VerifyRunFolder checks that dir holds a complete run, as bilancio decides
// it (runfolder.Verify): manifest.json exists, parses, says "completed",
// lists at least one file, and every file it lists has the recorded size
// and sha256. It returns the manifest and the hex sha256 of manifest.json
// itself; the error names every file that is wrong and how.
func VerifyRunFolder(dir string) (*runfolder.Manifest, string, error) {
	f, err := runfolder.Verify(dir)
	if err != nil {
		if f != nil {
			return f.Manifest, "", err
		}
		return nil, "", err
	}
	return f.Manifest, f.SHA256, nil
}
