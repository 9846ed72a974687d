package pyyaml

import "strings"

// analysis is what PyYAML's analyze_scalar finds out about a scalar: the
// styles it may be written in.
type analysis struct {
	runes             []rune
	empty, multiline  bool
	allowBlockPlain   bool
	allowSingleQuoted bool
}

func isSpaceOrBreak(r rune) bool {
	return r == 0 || r == ' ' || r == '\t' || r == '\r' || isBreak(r)
}

// analyze inspects a scalar as PyYAML does with allow_unicode=False. Plain
// style is ruled out by leading or trailing whitespace, line breaks,
// indicator characters where YAML would read them as syntax (a leading
// "-?:,[]{}#&*!|>'\"%@`", ": " or " #" inside, a leading "---" or "..."),
// and by any character outside printable ASCII, which also rules out single
// quotes (double quotes escape it).
func analyze(s string) analysis {
	runes := []rune(s)
	a := analysis{runes: runes}
	if len(runes) == 0 {
		a.empty = true
		a.allowBlockPlain = true
		a.allowSingleQuoted = true
		return a
	}
	blockIndicators := strings.HasPrefix(s, "---") || strings.HasPrefix(s, "...")
	var lineBreaks, special bool
	var leadingSpace, leadingBreak, trailingSpace, trailingBreak, breakSpace, spaceBreak bool
	precededByWS := true
	followedByWS := len(runes) == 1 || isSpaceOrBreak(runes[1])
	prevSpace, prevBreak := false, false
	for i, ch := range runes {
		if i == 0 {
			if strings.ContainsRune("#,[]{}&*!|>'\"%@`", ch) {
				blockIndicators = true
			}
			if (ch == '?' || ch == ':') && followedByWS {
				blockIndicators = true
			}
			if ch == '-' && followedByWS {
				blockIndicators = true
			}
		} else {
			if ch == ':' && followedByWS {
				blockIndicators = true
			}
			if ch == '#' && precededByWS {
				blockIndicators = true
			}
		}
		if isBreak(ch) {
			lineBreaks = true
		}
		if ch != '\n' && (ch < 0x20 || ch > 0x7e) {
			special = true
		}
		switch {
		case ch == ' ':
			if i == 0 {
				leadingSpace = true
			}
			if i == len(runes)-1 {
				trailingSpace = true
			}
			if prevBreak {
				breakSpace = true
			}
			prevSpace, prevBreak = true, false
		case isBreak(ch):
			if i == 0 {
				leadingBreak = true
			}
			if i == len(runes)-1 {
				trailingBreak = true
			}
			if prevSpace {
				spaceBreak = true
			}
			prevSpace, prevBreak = false, true
		default:
			prevSpace, prevBreak = false, false
		}
		precededByWS = isSpaceOrBreak(ch)
		followedByWS = i+2 >= len(runes) || isSpaceOrBreak(runes[i+2])
	}
	a.multiline = lineBreaks
	a.allowBlockPlain = true
	a.allowSingleQuoted = true
	if leadingSpace || leadingBreak || trailingSpace || trailingBreak {
		a.allowBlockPlain = false
	}
	if breakSpace {
		a.allowBlockPlain, a.allowSingleQuoted = false, false
	}
	if spaceBreak || special {
		a.allowBlockPlain, a.allowSingleQuoted = false, false
	}
	if lineBreaks || blockIndicators {
		a.allowBlockPlain = false
	}
	return a
}
