package ring

import (
	"errors"
	"fmt"
	"math/big"
	"regexp"
	"strconv"
	"strings"
	"sync"

	"github.com/bilancio-go/bilancio/internal/pynum"
)

// The rules of a ring's parameters. This is their one home: the generator
// (Params), the sweep planner and every input format (sweep files,
// bilancio's YAML sweep configs, flags, the environment) check a value with
// these functions, so a value is accepted or refused alike wherever it comes
// from, with the same sentence. Each returns "" when the value is allowed,
// or a sentence saying what is wrong, what is allowed and the value given;
// the caller says where (a file position, a flag's name).

// MaxAgents bounds a ring's size.
const MaxAgents = 1_000_000

// CheckNAgents checks the ring size n_agents.
func CheckNAgents(n int64) string {
	if n < 3 || n > MaxAgents {
		return fmt.Sprintf("n_agents must be between 3 (a ring needs three agents) and %d, got %d", MaxAgents, n)
	}
	return ""
}

// CheckMaturityDays checks the due-day horizon maturity_days.
func CheckMaturityDays(n int64) string {
	if n < 1 {
		return fmt.Sprintf("maturity_days must be at least 1 (payables fall due on days 1 to maturity_days), got %d", n)
	}
	return ""
}

// CheckQTotal checks the total dues q_total (S1).
func CheckQTotal(d pynum.Amount) string {
	if d.Sign() <= 0 {
		return "q_total (the total dues S1 of the ring) must be greater than 0, got " + d.String()
	}
	return ""
}

// CheckMaxDays checks max_days, the last day simulated (when given: left
// out, it is bilancio's max(30, maturity_days + 5)).
func CheckMaxDays(n int64) string {
	if n < 1 {
		return fmt.Sprintf("max_days must be at least 1 (the last day simulated), got %d", n)
	}
	return ""
}

// CheckQuietDays checks quiet_days, the quiet days in a row that end a run.
func CheckQuietDays(n int64) string {
	if n < 0 {
		return fmt.Sprintf("quiet_days must be 0 or more (the quiet days in a row that end a run), got %d", n)
	}
	return ""
}

// CheckLiquidityMode checks liquidity_mode, as a sweep sets it (uniform or
// single_at; the generator's vector mode takes weights no sweep gives).
func CheckLiquidityMode(s string) string {
	switch LiquidityMode(s) {
	case Uniform, SingleAt:
		return ""
	}
	return fmt.Sprintf("liquidity_mode must be %q (every agent starts with L0/n) or %q (liquidity_agent starts with all of L0), got %q", Uniform, SingleAt, s)
}

// agentPattern is compiled on first use, not at every start of bilancio.
var agentPattern = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^H([1-9][0-9]*)$`) })

// CheckLiquidityAgent checks that agent is one of the agents H1…Hn of a ring
// of n.
func CheckLiquidityAgent(agent string, n int64) string {
	m := agentPattern().FindStringSubmatch(agent)
	if m == nil {
		return fmt.Sprintf("liquidity_agent must name one of the ring's agents, H1 to H%d, got %q", n, agent)
	}
	if i, err := strconv.ParseInt(m[1], 10, 64); err != nil || i > n {
		return fmt.Sprintf("liquidity_agent %s is not in a ring of %d agents (H1 to H%d)", agent, n, n)
	}
	return ""
}

// CheckDefaultHandling checks default_handling.
func CheckDefaultHandling(s string) string {
	switch s {
	case "fail-fast", "expel-agent":
		return ""
	}
	return fmt.Sprintf("default_handling must be \"fail-fast\" (a default stops the run) or \"expel-agent\" (the defaulter leaves the ring and the run goes on), got %q", s)
}

// CheckKappaRule checks kappa_rule ('-' or '_' as the separator).
func CheckKappaRule(s string) string {
	if _, err := ParseKappaRule(s); err != nil {
		return fmt.Sprintf("kappa_rule must be \"debt-over-liquidity\" (kappa = Q_total/L0, the rule of bilancio's recorded data) or \"liquidity-over-debt\" (kappa = L0/Q_total, bilancio's newer rule), got %q", s)
	}
	return ""
}

// CheckPositive checks a quantity that must be greater than zero (a
// frontier bound, a face value, ...); name says what it is.
func CheckPositive(name string, d pynum.Amount) string {
	if d.Sign() <= 0 {
		return name + " must be greater than 0, got " + d.String()
	}
	return ""
}

// CheckNonNegative checks a quantity that must be 0 or more.
func CheckNonNegative(name string, d pynum.Amount) string {
	if d.Sign() < 0 {
		return name + " must be 0 or more, got " + d.String()
	}
	return ""
}

// ShortNumber writes a number's text short enough for a message: as
// written when it is, else in scientific notation with six significant
// digits ("1e+400" for a 1 and 400 zeros). Text that is no number is cut
// after 24 characters.
func ShortNumber(text string) string {
	t := strings.TrimSpace(text)
	if len(t) <= 16 {
		return t
	}
	if f, _, err := big.ParseFloat(t, 10, 64, big.ToNearestEven); err == nil {
		return f.Text('g', 6)
	}
	return t[:min(len(t), 24)] + "…"
}

// ErrOutOfRange is a number beyond what its setting can hold.
var ErrOutOfRange = errors.New("out of range")

// floatOutOfRange is the error of a number too large (or too small) for a
// float, its text written short.
func floatOutOfRange(text string, large bool) error {
	if large {
		return fmt.Errorf("%w: %s (a float holds at most about 1.8e+308)", ErrOutOfRange, ShortNumber(text))
	}
	return fmt.Errorf("%w: %s (a float holds no nonzero number nearer 0 than about 5e-324)", ErrOutOfRange, ShortNumber(text))
}

// FloatOutOfRange is the error of a number too large for a float.
func FloatOutOfRange(text string) error { return floatOutOfRange(text, true) }

// IntOutOfRange is the error of a whole number too large for a 64-bit
// integer.
func IntOutOfRange(text string) error {
	return fmt.Errorf("%w: %s (a whole number here is at most 9223372036854775807)", ErrOutOfRange, ShortNumber(text))
}

// Problem says what is wrong with setting name's value given err: "name is
// out of range: …" for a number beyond its range, else "name: err".
func Problem(name string, err error) string {
	if errors.Is(err, ErrOutOfRange) {
		return name + " is " + err.Error()
	}
	return name + ": " + err.Error()
}
