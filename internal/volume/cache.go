package volume

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/bilancio-go/bilancio/internal/atomicfile"
	"github.com/bilancio-go/bilancio/sdk"
)

// DefaultCacheDir returns ~/.bilancio/cache, the cache folder when none is
// given.
func DefaultCacheDir() (string, error) {
	home, err := os.UserHomeDir()
	if err != nil {
		return "", fmt.Errorf("finding the cache folder: %w", err)
	}
	return filepath.Join(home, ".bilancio", "cache"), nil
}

// CacheDir returns the folder of the fetch cache below the cache folder
// cacheDir (DefaultCacheDir when empty): cacheDir/volume.
func CacheDir(cacheDir string) (string, error) {
	if cacheDir == "" {
		var err error
		if cacheDir, err = DefaultCacheDir(); err != nil {
			return "", err
		}
	}
	return filepath.Join(cacheDir, "volume"), nil
}

// Cache is the local cache of fetched storage files: each is kept under
// Dir by the sha256 of its path, size and modification time, so a changed
// file is fetched again.
type Cache struct {
	Dir string
}

// key is the cache file name of the storage entry e.
func (c *Cache) key(e sdk.Entry) string {
	k := sha256.Sum256(fmt.Appendf(nil, "%s\x00%d\x00%d", e.Path, e.Size, e.ModTime.UnixNano()))
	return hex.EncodeToString(k[:])
}

// countingWriter counts the bytes written through it.
type countingWriter struct {
	w io.Writer
	n int64
}

// Write implements io.Writer.
func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// Get copies the storage file e of ex to the local file dest through the
// cache, both written atomically; it reports whether the cache had the
// file. A file whose fetched size differs from its listed one is refused.
func (c *Cache) Get(ctx context.Context, ex sdk.Executor, e sdk.Entry, dest string) (bool, error) {
	cached := filepath.Join(c.Dir, c.key(e))
	hit := true
	if _, err := os.Stat(cached); err != nil {
		hit = false
		if err := os.MkdirAll(c.Dir, 0o755); err != nil {
			return false, fmt.Errorf("creating the cache folder: %w", err)
		}
		err := atomicfile.Write(cached, 0o644, false, atomicfile.WriterFunc(func(w io.Writer) (int64, error) {
			cw := &countingWriter{w: w}
			if err := ex.Fetch(ctx, &sdk.FetchRequest{Path: e.Path}, cw); err != nil {
				return cw.n, err
			}
			if cw.n != e.Size {
				return cw.n, fmt.Errorf("it changed while being fetched (%d bytes, listed with %d): try again", cw.n, e.Size)
			}
			return cw.n, nil
		}))
		if err != nil {
			return false, fmt.Errorf("fetching %s: %w", e.Path, err)
		}
	}
	in, err := os.Open(cached)
	if err != nil {
		return false, fmt.Errorf("reading the cached copy of %s: %w", e.Path, err)
	}
	defer in.Close()
	if err := atomicfile.Write(dest, 0o644, false, in); err != nil {
		return false, fmt.Errorf("copying %s from the cache: %w", e.Path, err)
	}
	return hit, nil
}

// CacheUse is what the fetch cache held.
type CacheUse struct {
	// Empty says the cache folder did not exist.
	Empty       bool
	Files, Size int64
}

// Clear empties the cache (removes its folder) unless dryRun, and returns
// what it held.
func (c *Cache) Clear(dryRun bool) (CacheUse, error) {
	var u CacheUse
	err := filepath.WalkDir(c.Dir, func(_ string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		u.Files++
		if info, err := d.Info(); err == nil {
			u.Size += info.Size()
		}
		return nil
	})
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return CacheUse{Empty: true}, nil
	case err != nil:
		return u, fmt.Errorf("reading the fetch cache %s: %w", c.Dir, err)
	}
	if !dryRun {
		if err := os.RemoveAll(c.Dir); err != nil {
			return u, fmt.Errorf("emptying the fetch cache %s: %w", c.Dir, err)
		}
	}
	return u, nil
}
