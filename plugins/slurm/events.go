package slurm

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"

	"github.com/bilancio-go/bilancio/sdk"
)

// tailer follows an event file that a worker on another node appends to:
// each read returns the events of the lines completed since the last one.
// A line cut short (still being written) waits for its end.
type tailer struct {
	path    string
	offset  int64
	partial []byte
}

// read returns the events of the new complete lines. A missing file is no
// error (the task has not started); a line that is not an event is skipped
// and reported in bad.
func (t *tailer) read() (events []sdk.RunEvent, bad []string, err error) {
	f, err := os.Open(t.path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil, nil
	}
	if err != nil {
		return nil, nil, fmt.Errorf("reading the event file: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, nil, fmt.Errorf("reading the event file: %w", err)
	}
	if st.Size() < t.offset {
		// Truncated (it never is, the worker appends): start again.
		t.offset, t.partial = 0, nil
	}
	if st.Size() == t.offset {
		return nil, nil, nil
	}
	data, err := io.ReadAll(io.NewSectionReader(f, t.offset, st.Size()-t.offset))
	if err != nil {
		return nil, nil, fmt.Errorf("reading the event file: %w", err)
	}
	t.offset += int64(len(data))
	data = append(t.partial, data...)
	end := bytes.LastIndexByte(data, '\n')
	if end < 0 {
		t.partial = data
		return nil, nil, nil
	}
	t.partial = append([]byte(nil), data[end+1:]...)
	for line := range bytes.Lines(data[:end+1]) {
		line = bytes.TrimSpace(line)
		if len(line) == 0 {
			continue
		}
		var ev sdk.RunEvent
		if err := json.Unmarshal(line, &ev); err != nil || ev.RunID == "" || !ev.Type.Terminal() {
			bad = append(bad, strings.ToValidUTF8(string(line), "?"))
			continue
		}
		events = append(events, ev)
	}
	return events, bad, nil
}

// logTail returns the last lines of a task's log (at most n lines, 600
// bytes), joined by " | ", for failure messages: what the worker or Slurm
// said before the task ended.
func logTail(path string, n int) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return ""
	}
	const window = 4096
	off := max(st.Size()-window, 0)
	data, err := io.ReadAll(io.NewSectionReader(f, off, st.Size()-off))
	if err != nil {
		return ""
	}
	var lines []string
	for line := range bytes.Lines(data) {
		if s := strings.TrimSpace(string(line)); s != "" {
			lines = append(lines, strings.ToValidUTF8(s, "?"))
		}
	}
	if off > 0 && len(lines) > 0 {
		lines = lines[1:] // maybe cut
	}
	lines = lines[max(len(lines)-n, 0):]
	out := strings.Join(lines, " | ")
	if len(out) > 600 {
		out = "…" + out[len(out)-600:]
	}
	return out
}
