package dealer_test

import (
	"strings"
	"testing"

	"github.com/bilancio-go/bilancio/internal/dealer"
	"github.com/bilancio-go/bilancio/internal/engine"
)

// ringYAML is a minimal concrete scenario to which a dealer block is
// appended.
const ringYAML = `version: 1
name: ring
agents:
  - {id: CB, kind: central_bank, name: Central Bank}
  - {id: H1, kind: household, name: Household 1}
  - {id: H2, kind: household, name: Household 2}
initial_actions:
  - mint_cash: {to: H1, amount: 100}
  - create_payable: {from: H1, to: H2, amount: 80, due_day: 1}
  - create_payable: {from: H2, to: H1, amount: 80, due_day: 2}
run:
  mode: until_stable
  max_days: 5
`

// parseBlock loads ringYAML with block appended as its dealer block through
// the engine's scenario loader and parses the block.
func parseBlock(t *testing.T, block string) (dealer.Config, error) {
	t.Helper()
	sc, err := engine.Load("ring.yaml", []byte(ringYAML+block))
	if err != nil {
		t.Fatal(err)
	}
	if sc.Dealer == nil {
		return dealer.ParseConfig(false, nil)
	}
	return dealer.ParseConfig(sc.Dealer.Enabled, sc.Dealer.Raw)
}

func TestParseConfigRecordedBlocks(t *testing.T) {
	for _, c := range []struct {
		name, block                 string
		enabled                     bool
		ticket, dealerShare, vbtShr string
	}{
		{"absent", "", false, "1", "0.25", "0.50"},
		{"data-era treatment (spec §1.4)", "dealer:\n  enabled: true\n  ticket_size: 1\n  dealer_share: '0.25'\n  vbt_share: '0.5'\n", true, "1", "0.25", "0.5"},
		{"December-era active arm (spec §1.4)", "dealer:\n  enabled: true\n  ticket_size: 20\n  dealer_share: '0'\n  vbt_share: '0.50'\n", true, "20", "0", "0.50"},
		{"disabled", "dealer:\n  enabled: false\n  dealer_share: '0.3'\n", false, "1", "0.3", "0.50"},
		{"unquoted floats go through Python's float repr", "dealer:\n  enabled: true\n  dealer_share: 0.250\n  vbt_share: 0.50\n  ticket_size: 2.0\n", true, "2.0", "0.25", "0.5"},
	} {
		t.Run(c.name, func(t *testing.T) {
			cfg, err := parseBlock(t, c.block)
			if err != nil {
				t.Fatal(err)
			}
			if cfg.Enabled != c.enabled || cfg.TicketSize.String() != c.ticket || cfg.DealerShare.String() != c.dealerShare || cfg.VBTShare.String() != c.vbtShr {
				t.Errorf("got enabled=%v S=%s dealer_share=%s vbt_share=%s", cfg.Enabled, cfg.TicketSize, cfg.DealerShare, cfg.VBTShare)
			}
			if len(cfg.Buckets) != 3 || cfg.Buckets[0].Name != "short" || cfg.Buckets[2].O.String() != "0.40" {
				t.Errorf("buckets = %+v", cfg.Buckets)
			}
			if cfg.NMax != 3 || cfg.HorizonH != 3 || cfg.PiSell.String() != "0.5" || cfg.BufferB.String() != "1.0" {
				t.Errorf("unused keys = %v %v %s %s", cfg.NMax, cfg.HorizonH, cfg.PiSell, cfg.BufferB)
			}
		})
	}
}

// TestParseConfigBuckets: buckets keep key order and are then stably sorted
// by tau_min (spec §1.3); a bucket without M or O gets 1.0 and 0.30.
func TestParseConfigBuckets(t *testing.T) {
	block := `dealer:
  enabled: true
  buckets:
    far: {tau_min: 5, tau_max: 999, M: '0.9', O: '0.5'}
    near: {tau_min: 1, tau_max: 4}
    also_far: {tau_min: 5, tau_max: 6, O: '0.25'}
  order_flow: {pi_sell: '0.7', N_max: 5}
  trader_policy: {horizon_H: 4, buffer_B: '2'}
`
	cfg, err := parseBlock(t, block)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, b := range cfg.Buckets {
		got = append(got, strings.Join([]string{b.Name, b.M.String(), b.O.String()}, " "))
	}
	want := "near 1.0 0.30|far 0.9 0.5|also_far 1.0 0.25"
	if strings.Join(got, "|") != want {
		t.Errorf("buckets = %q, want %q", strings.Join(got, "|"), want)
	}
	if cfg.Buckets[1].TauMin != 5 || cfg.Buckets[1].TauMax != 999 {
		t.Errorf("far = %+v", cfg.Buckets[1])
	}
	if cfg.PiSell.String() != "0.7" || cfg.NMax != 5 || cfg.HorizonH != 4 || cfg.BufferB.String() != "2" {
		t.Errorf("order_flow/trader_policy = %s %d %d %s", cfg.PiSell, cfg.NMax, cfg.HorizonH, cfg.BufferB)
	}
}

// TestParseConfigRejects covers the checks ParseConfig repeats for blocks
// that did not come through the loader.
func TestParseConfigRejects(t *testing.T) {
	for _, raw := range [][]dealer.KeyValue{
		{{Key: "ticket_size", Value: "0"}},
		{{Key: "dealer_share", Value: "1.5"}},
		{{Key: "vbt_share", Value: "-0.1"}},
		{{Key: "vbt_share", Value: "abc"}},
		{{Key: "order_flow.N_max", Value: "0"}},
		{{Key: "trader_policy.buffer_B", Value: "-1"}},
		{{Key: "buckets.x.tau_min", Value: "1"}},
		{{Key: "buckets.x.tau_min", Value: "4"}, {Key: "buckets.x.tau_max", Value: "3"}},
		{{Key: "buckets.x.tau_min", Value: "1"}, {Key: "buckets.x.tau_max", Value: "3"}, {Key: "buckets.x.O", Value: "0"}},
	} {
		if _, err := dealer.ParseConfig(true, raw); err == nil {
			t.Errorf("%v accepted", raw)
		}
	}
	cfg, err := dealer.ParseConfig(false, nil)
	if err != nil || cfg.Enabled {
		t.Errorf("ParseConfig(false, nil) = %+v, %v", cfg, err)
	}
}
