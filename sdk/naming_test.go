package sdk

import (
	"strings"
	"testing"
)

func TestValidExecutorName(t *testing.T) {
	for _, c := range []struct {
		name string
		ok   bool
	}{
		{"local", true},
		{"modal", true},
		{"my-cluster_2", true},
		{"0day", true},
		{"a", true},
		{strings.Repeat("x", 64), true},
		{"", false},
		{strings.Repeat("x", 65), false},
		{"Local", false},
		{"-local", false},
		{"_local", false},
		{"lo.cal", false},
		{"lo/cal", false},
		{"../x", false},
		{"lo cal", false},
		{"lócal", false},
		{"local\n", false},
	} {
		if got := ValidExecutorName(c.name); got != c.ok {
			t.Errorf("ValidExecutorName(%q) = %v, want %v", c.name, got, c.ok)
		}
	}
}
