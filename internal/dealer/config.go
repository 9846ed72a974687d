package dealer

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/bilancio-go/bilancio/internal/pynum"
)

// Seed is the dealer RNG seed, hard-coded by bilancio for every run (spec §8).
const Seed = 42

// Config is a scenario's dealer block with bilancio's defaults applied and
// mapped to the internal configuration (spec §1.1, §1.3).
type Config struct {
	// Enabled: the subsystem is built only when the block exists and this is
	// true.
	Enabled bool
	// TicketSize is the kernel's unit S, not the face of traded claims.
	TicketSize pynum.Amount
	// DealerShare and VBTShare split the agents' total cash into new outside
	// money per bucket (CapitalPerBucket).
	DealerShare, VBTShare pynum.Amount
	// Buckets are in the block's key order, stably sorted by TauMin;
	// DefaultBuckets when the block has none.
	Buckets []Bucket
	// PiSell, NMax, HorizonH and BufferB are validated but not used by the
	// data-era trading logic.
	PiSell   pynum.Amount
	NMax     int64
	HorizonH int64
	BufferB  pynum.Amount
}

// DefaultConfig returns the configuration of an empty, disabled block.
func DefaultConfig() Config {
	return Config{
		TicketSize:  pynum.Dec(1, 0),
		DealerShare: pynum.Dec(25, -2),
		VBTShare:    pynum.Dec(50, -2),
		Buckets:     DefaultBuckets(),
		PiSell:      pynum.Dec(5, -1),
		NMax:        3,
		HorizonH:    3,
		BufferB:     pynum.Dec(10, -1),
	}
}

// KeyValue is one scalar key of a scenario's dealer block as the loader
// kept it: nested keys dotted ("order_flow.pi_sell"), the text as written.
type KeyValue struct {
	Key   string
	Value string
	// Float is set when the scalar is an unquoted YAML float: bilancio
	// gets a Python float there and makes the Decimal from its repr
	// (`0.50` → Decimal("0.5")), not from the text.
	Float bool
}

// ParseConfig reads a loaded dealer block (engine.Scenario.Dealer's
// Enabled and Raw). Values are the scalar texts as written: an integer
// literal becomes the Decimal of that integer, an unquoted float the Decimal
// of its Python repr, any other text Decimal(text); unknown keys are
// ignored. The checks of spec §1.1 are repeated, so a block that bypassed
// the loader is still rejected.
func ParseConfig(enabled bool, raw []KeyValue) (Config, error) {
	c := DefaultConfig()
	c.Enabled = enabled
	var custom []Bucket
	index := map[string]int{}
	seen := map[string]map[string]bool{}
	for _, kv := range raw {
		var err error
		switch kv.Key {
		case "ticket_size":
			c.TicketSize, err = decimalValue(kv, positive)
		case "dealer_share":
			c.DealerShare, err = decimalValue(kv, unitInterval)
		case "vbt_share":
			c.VBTShare, err = decimalValue(kv, unitInterval)
		case "order_flow.pi_sell":
			c.PiSell, err = decimalValue(kv, unitInterval)
		case "order_flow.N_max":
			c.NMax, err = intValue(kv, 1)
		case "trader_policy.horizon_H":
			c.HorizonH, err = intValue(kv, 1)
		case "trader_policy.buffer_B":
			c.BufferB, err = decimalValue(kv, nonNegative)
		default:
			rest, ok := strings.CutPrefix(kv.Key, "buckets.")
			if !ok {
				continue
			}
			dot := strings.LastIndexByte(rest, '.')
			if dot < 0 {
				continue
			}
			name, field := rest[:dot], rest[dot+1:]
			i, ok := index[name]
			if !ok {
				i = len(custom)
				index[name] = i
				custom = append(custom, Bucket{Name: name, M: pynum.Dec(10, -1), O: pynum.Dec(30, -2)})
				seen[name] = map[string]bool{}
			}
			b := &custom[i]
			switch field {
			case "tau_min", "tau_max":
				var n int64
				n, err = intValue(kv, 1)
				if field == "tau_min" {
					b.TauMin = int(n)
				} else {
					b.TauMax = int(n)
				}
				seen[name][field] = true
			case "M":
				b.M, err = decimalValue(kv, positive)
			case "O":
				b.O, err = decimalValue(kv, positive)
			}
		}
		if err != nil {
			return Config{}, err
		}
	}
	for _, b := range custom {
		if !seen[b.Name]["tau_min"] || !seen[b.Name]["tau_max"] {
			return Config{}, fmt.Errorf("dealer.buckets.%s: tau_min and tau_max are required", b.Name)
		}
		if b.TauMin > b.TauMax {
			return Config{}, fmt.Errorf("dealer.buckets.%s: tau_min must be <= tau_max, got %d > %d", b.Name, b.TauMin, b.TauMax)
		}
	}
	if len(custom) > 0 {
		slices.SortStableFunc(custom, func(a, b Bucket) int { return a.TauMin - b.TauMin })
		c.Buckets = custom
	}
	return c, nil
}

// decimalValue reads kv's text as a Decimal and checks it.
func decimalValue(kv KeyValue, check func(pynum.Amount) bool) (pynum.Amount, error) {
	text := strings.TrimSpace(kv.Value)
	if kv.Float {
		f, err := strconv.ParseFloat(strings.ReplaceAll(text, "_", ""), 64)
		if err != nil {
			return pynum.Amount{}, fmt.Errorf("dealer.%s: %v", kv.Key, err)
		}
		text = pynum.FloatRepr(f)
	}
	var a pynum.Amount
	var err error
	if n, ierr := strconv.ParseInt(text, 10, 64); ierr == nil {
		a = pynum.Dec(n, 0)
	} else {
		a, err = pynum.ParseDecimal(text)
	}
	if err != nil {
		return pynum.Amount{}, fmt.Errorf("dealer.%s: %v", kv.Key, err)
	}
	if !check(a) {
		return pynum.Amount{}, fmt.Errorf("dealer.%s: %s is out of range", kv.Key, text)
	}
	return a, nil
}

// intValue reads kv's text as an int of at least min.
func intValue(kv KeyValue, min int64) (int64, error) {
	n, err := strconv.ParseInt(strings.TrimSpace(kv.Value), 10, 64)
	if err != nil {
		return 0, fmt.Errorf("dealer.%s: expected an integer, got %q", kv.Key, kv.Value)
	}
	if n < min {
		return 0, fmt.Errorf("dealer.%s: must be >= %d, got %d", kv.Key, min, n)
	}
	return n, nil
}

// positive checks a > 0.
func positive(a pynum.Amount) bool { return a.Sign() > 0 }

// nonNegative checks a ≥ 0.
func nonNegative(a pynum.Amount) bool { return a.Sign() >= 0 }

// unitInterval checks 0 ≤ a ≤ 1.
func unitInterval(a pynum.Amount) bool { return a.Sign() >= 0 && pynum.Cmp(a, pynum.Int(1)) <= 0 }
