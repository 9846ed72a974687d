package sdk

// MaxExecutorNameLen is the longest executor name (bytes).
const MaxExecutorNameLen = 64

// ValidExecutorName reports whether name can name an executor: an executor
// plugin is the binary bilancio-executor-NAME, and sweep files, flags and
// plugin directories refer to it by NAME, so a name becomes part of file
// names. It is 1 to 64 lower-case ASCII letters, digits, '-' and '_',
// starting with a letter or a digit. This is the one home of the rule: the
// host's discovery, the sweep file loader and the -executor flag all ask it.
func ValidExecutorName(name string) bool {
	if name == "" || len(name) > MaxExecutorNameLen {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		switch {
		case 'a' <= c && c <= 'z', '0' <= c && c <= '9':
		case (c == '-' || c == '_') && i > 0:
		default:
			return false
		}
	}
	return true
}
