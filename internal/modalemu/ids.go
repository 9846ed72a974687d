package modalemu

import (
	"crypto/rand"
	"regexp"
	"strings"
)

// Object ids look like Modal's: a prefix and 22 base62 characters (the
// SDK's own fixtures, sandbox_test.go:24-27; name_utils.go:11). A V1
// sandbox id is "sb-" + 22 base62 characters; anything else is routed as a
// V2 sandbox (sandbox.go:59-81), so V2 ids are "sb-01" + 24 characters of
// Crockford's base32, as a ULID.
const (
	base62    = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	crockford = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
)

// randomString returns n characters drawn from alphabet.
func randomString(alphabet string, n int) string {
	buf := make([]byte, n)
	_, _ = rand.Read(buf)
	var b strings.Builder
	for _, c := range buf {
		b.WriteByte(alphabet[int(c)%len(alphabet)])
	}
	return b.String()
}

// newID returns a fresh id with a Modal prefix such as "ap" or "vo".
func newID(prefix string) string { return prefix + "-" + randomString(base62, 22) }

// newSandboxID returns a V1- or V2-shaped sandbox id.
func newSandboxID(v2 bool) string {
	if v2 {
		return "sb-01" + randomString(crockford, 24)
	}
	return newID("sb")
}

// Object names: at most 64 characters of [a-zA-Z0-9._-], and not shaped
// like an App id (name_utils.go:9-34, whose rule and message the service
// applies to App, Volume, Secret and Sandbox names).
var (
	objectNameCharset = regexp.MustCompile(`^[a-zA-Z0-9\-_.]+$`)
	appIDPattern      = regexp.MustCompile(`^ap-[a-zA-Z0-9]{22}$`)
)

// validObjectName reports whether name is a valid Modal object name.
func validObjectName(name string) bool {
	return len(name) <= 64 && objectNameCharset.MatchString(name) && !appIDPattern.MatchString(name)
}

// invalidNameMessage is the service's message for a bad name
// (name_utils.go:41-47).
func invalidNameMessage(kind, name string) string {
	return "Invalid " + kind + " name: '" + name + "'.\n\nNames may contain only alphanumeric characters, dashes, periods, and underscores," +
		" must be shorter than 64 characters, and cannot conflict with App ID strings."
}
