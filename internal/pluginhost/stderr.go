package pluginhost

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"sync"
)

// stderrTail keeps the end of a plugin's raw stderr (go-plugin's
// ClientConfig.Stderr) to explain a crash: the last lines, and the first
// panic or fatal error with the lines that follow it.
type stderrTail struct {
	mu      sync.Mutex
	partial []byte
	lines   []string // the last maxLines complete lines
	panic   []string // "panic: ..." / "fatal error: ..." and what follows
}

const (
	maxTailLines  = 20
	maxPanicLines = 12
	maxLineBytes  = 1024
)

// Write implements io.Writer.
func (t *stderrTail) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, b := range p {
		if b != '\n' {
			if len(t.partial) < maxLineBytes {
				t.partial = append(t.partial, b)
			}
			continue
		}
		t.addLine(strings.TrimRight(string(t.partial), "\r"))
		t.partial = t.partial[:0]
	}
	return len(p), nil
}

func (t *stderrTail) addLine(line string) {
	line = readableLogLine(line)
	t.lines = append(t.lines, line)
	if len(t.lines) > maxTailLines {
		t.lines = t.lines[len(t.lines)-maxTailLines:]
	}
	switch {
	case len(t.panic) == 0 && (strings.HasPrefix(line, "panic: ") || strings.HasPrefix(line, "fatal error: ")):
		t.panic = append(t.panic, line)
	case len(t.panic) > 0 && len(t.panic) < maxPanicLines:
		t.panic = append(t.panic, line)
	}
}

// summary is what a crash message quotes: the panic message when there was
// one (up to the blank line that ends it), else the last few non-empty
// lines.
func (t *stderrTail) summary() []string {
	t.mu.Lock()
	defer t.mu.Unlock()
	var out []string
	if len(t.panic) > 0 {
		for _, l := range t.panic {
			if strings.TrimSpace(l) == "" {
				break
			}
			out = append(out, l)
		}
		return out
	}
	lines := t.lines
	if len(t.partial) > 0 {
		lines = append(lines[:len(lines):len(lines)], string(t.partial))
	}
	for i := len(lines) - 1; i >= 0 && len(out) < 3; i-- {
		if strings.TrimSpace(lines[i]) != "" {
			out = append([]string{lines[i]}, out...)
		}
	}
	return out
}

// readableLogLine renders an hclog JSON line as "[level] message k=v ...";
// other lines are returned as they are.
func readableLogLine(line string) string {
	if !strings.HasPrefix(line, "{") {
		return line
	}
	var entry map[string]any
	if json.Unmarshal([]byte(line), &entry) != nil {
		return line
	}
	msg, ok := entry["@message"].(string)
	if !ok {
		return line
	}
	var b strings.Builder
	if lvl, ok := entry["@level"].(string); ok {
		fmt.Fprintf(&b, "[%s] ", strings.ToUpper(lvl))
	}
	b.WriteString(msg)
	keys := make([]string, 0, len(entry))
	for k := range entry {
		if !strings.HasPrefix(k, "@") {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Fprintf(&b, " %s=%v", k, entry[k])
	}
	return b.String()
}
