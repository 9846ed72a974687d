package artifacts

import (
	"cmp"
	"iter"
	"slices"
	"strconv"
	"strings"

	"github.com/bilancio-go/bilancio/internal/dealer"
	"github.com/bilancio-go/bilancio/internal/engine"
	"github.com/bilancio-go/bilancio/internal/pynum"
	"github.com/bilancio-go/bilancio/sdk/runfolder"
)

// The dealer run's extra files (spec/dealer.md §10), relative to the run
// folder.
const (
	DealerMetricsFile   = runfolder.DealerMetricsFile
	TradesFile          = runfolder.TradesFile
	InventoryFile       = runfolder.InventoryFile
	SystemStateFile     = runfolder.SystemStateFile
	RepaymentEventsFile = runfolder.RepaymentEventsFile
)

// dealerRegime is the regime column of the detailed files: bilancio's sweep
// runners write "active" for every run with a dealer.
const dealerRegime = "active"

// dealerFiles renders the extra files of a dealer run: dealer_metrics.json
// in the December era, and with detailed logging the four CSV files, each
// left out when it would have no rows, as bilancio does.
func dealerFiles(res *engine.Result, runID string) []File {
	d := res.Dealer
	if d == nil || d.Era != engine.DealerDecember {
		return nil
	}
	st := d.State
	files := []File{{DealerMetricsFile, AppendDealerMetrics(nil, st.Summarize())}}
	if !d.Detailed {
		return files
	}
	if len(st.Trades) > 0 {
		files = append(files, File{TradesFile, AppendTradesCSV(nil, runID, st.Trades)})
	}
	if len(st.Instruments.Buckets) > 0 {
		files = append(files, File{InventoryFile, AppendInventoryCSV(nil, runID, st.Instruments.Buckets)})
	}
	if len(st.Instruments.System) > 0 {
		files = append(files, File{SystemStateFile, AppendSystemStateCSV(nil, runID, st)})
	}
	if rows := repaymentRows(res.EachEvent(), st.Trades); len(rows) > 0 {
		files = append(files, File{RepaymentEventsFile, AppendRepaymentCSV(nil, runID, rows)})
	}
	return files
}

// AppendDealerMetrics renders dealer_metrics.json: json.dump(indent=2), no
// trailing newline, every Decimal as a Python float.
func AppendDealerMetrics(dst []byte, s dealer.Summary) []byte {
	f := func(a pynum.Amount) JSON { return JSONFloat(a.Float64()) }
	byName := func(names []string, vals []pynum.Amount) JSON {
		members := make([]Member, len(names))
		for i, n := range names {
			members[i] = Member{Key: n, Value: f(vals[i])}
		}
		return JSONObject(members...)
	}
	obj := JSONObject(
		Member{"dealer_total_pnl", f(s.TotalPnL)},
		Member{"dealer_total_return", f(s.TotalReturn)},
		Member{"dealer_profitable", JSONBool(s.Profitable)},
		Member{"dealer_pnl_by_bucket", byName(s.Buckets, s.PnLByBucket)},
		Member{"dealer_return_by_bucket", byName(s.Buckets, s.ReturnByBucket)},
		Member{"spread_income_total", f(s.SpreadIncome)},
		Member{"interior_trades", JSONInt(int64(s.InteriorTrades))},
		Member{"passthrough_trades", JSONInt(int64(s.PassthroughTrades))},
		Member{"mean_trader_return", f(s.MeanTraderReturn)},
		Member{"fraction_profitable_traders", f(s.FractionProfitableTraders)},
		Member{"liquidity_driven_sales", JSONInt(int64(s.LiquidityDrivenSales))},
		Member{"rescue_events", JSONInt(int64(s.RescueEvents))},
		Member{"unsafe_buy_count", JSONInt(int64(s.UnsafeBuys))},
		Member{"fraction_unsafe_buys", f(s.FractionUnsafeBuys)},
		Member{"mean_margin_at_default", JSONNull()},
		Member{"total_trades", JSONInt(int64(s.TotalTrades))},
		Member{"total_sell_trades", JSONInt(int64(s.SellTrades))},
		Member{"total_buy_trades", JSONInt(int64(s.BuyTrades))},
		Member{"initial_total_debt", f(s.InitialTotalDebt)},
		Member{"initial_total_money", f(s.InitialTotalMoney)},
		Member{"debt_to_money_ratio", f(s.DebtToMoney)},
		Member{"dealer_mid_final", byName(s.FinalBuckets, s.DealerMidFinal)},
		Member{"vbt_mid_final", byName(s.FinalBuckets, s.VBTMidFinal)},
		Member{"dealer_premium_final_pct", byName(s.FinalBuckets, s.DealerPremiumFinalPct)},
		Member{"vbt_premium_final_pct", byName(s.FinalBuckets, s.VBTPremiumFinalPct)},
	)
	return AppendJSONIndent(dst, obj, 2)
}

// pyBool is Python's str(bool).
func pyBool(b bool) string {
	if b {
		return "True"
	}
	return "False"
}

// AppendTradesCSV renders trades.csv (spec §10.3): one row per trade in
// execution order.
func AppendTradesCSV(dst []byte, runID string, trades []dealer.Trade) []byte {
	dst = AppendCSVRecord(dst, []string{"run_id", "regime", "day", "bucket", "side", "trader_id", "ticket_id", "issuer_id", "maturity_day",
		"face_value", "price", "unit_price", "is_passthrough",
		"dealer_inventory_before", "dealer_cash_before", "dealer_bid_before", "dealer_ask_before",
		"vbt_mid_before", "trader_cash_before", "trader_safety_margin_before",
		"dealer_inventory_after", "dealer_cash_after", "dealer_bid_after", "dealer_ask_after",
		"trader_cash_after", "trader_safety_margin_after",
		"is_liquidity_driven", "reduces_margin_below_zero", "hit_inventory_limit"})
	side := map[dealer.Side]string{dealer.Sell: "SELL", dealer.Buy: "BUY"}
	for i := range trades {
		x := &trades[i]
		t := x.Ticket
		dst = AppendCSVRecord(dst, []string{runID, dealerRegime, strconv.Itoa(x.Day), x.Bucket, side[x.Side], x.Trader, t.ID, t.Issuer,
			strconv.Itoa(t.MaturityDay), t.Face.String(), x.Price.String(), x.UnitPrice.String(), pyBool(x.Passthrough),
			strconv.Itoa(x.DealerInventoryBefore), x.DealerCashBefore.String(), x.BidBefore.String(), x.AskBefore.String(),
			x.VBTMidBefore.String(), x.TraderCashBefore.String(), x.MarginBefore.String(),
			strconv.Itoa(x.DealerInventoryAfter), x.DealerCashAfter.String(), x.BidAfter.String(), x.AskAfter.String(),
			x.TraderCashAfter.String(), x.MarginAfter.String(),
			pyBool(x.LiquidityDriven), pyBool(x.ReducesMarginBelowZero), pyBool(false)})
	}
	return dst
}

// AppendInventoryCSV renders inventory_timeseries.csv (spec §10.4), sorted
// by (day, bucket name).
func AppendInventoryCSV(dst []byte, runID string, snaps []dealer.BucketSnapshot) []byte {
	dst = AppendCSVRecord(dst, []string{"run_id", "regime", "day", "bucket", "dealer_inventory", "max_capacity", "capacity_pct",
		"is_at_zero", "hit_vbt_this_step", "total_system_face", "dealer_share_pct"})
	sorted := slices.Clone(snaps)
	slices.SortStableFunc(sorted, func(a, b dealer.BucketSnapshot) int {
		return cmp.Or(cmp.Compare(a.Day, b.Day), strings.Compare(a.Bucket, b.Bucket))
	})
	for _, s := range sorted {
		pct := pynum.Dec(0, 0)
		if !s.MaxCapacity.IsZero() {
			pct = pynum.Mul(pynum.Quo(pynum.Dec(int64(s.Inventory), 0), s.MaxCapacity), pynum.Int(100))
		}
		dst = AppendCSVRecord(dst, []string{runID, dealerRegime, strconv.Itoa(s.Day), s.Bucket, strconv.Itoa(s.Inventory),
			s.MaxCapacity.String(), pct.String(), pyBool(s.Inventory == 0), pyBool(false),
			s.TotalSystemFace.String(), s.DealerSharePct.String()})
	}
	return dst
}

// AppendSystemStateCSV renders system_state_timeseries.csv (spec §10.5).
func AppendSystemStateCSV(dst []byte, runID string, st *dealer.State) []byte {
	dst = AppendCSVRecord(dst, []string{"run_id", "regime", "day", "total_face_value", "face_bucket_short", "face_bucket_mid",
		"face_bucket_long", "total_cash", "debt_to_money"})
	face := func(s *dealer.SystemSnapshot, bucket string) string {
		for i, m := range st.Markets {
			if m.Bucket.Name == bucket {
				return s.FaceByBucket[i].String()
			}
		}
		return "0"
	}
	sorted := slices.Clone(st.Instruments.System)
	slices.SortStableFunc(sorted, func(a, b dealer.SystemSnapshot) int { return cmp.Compare(a.Day, b.Day) })
	for i := range sorted {
		s := &sorted[i]
		ratio := pynum.Dec(0, 0)
		if s.TotalCash.Sign() > 0 {
			ratio = pynum.Quo(s.TotalFace, s.TotalCash)
		}
		dst = AppendCSVRecord(dst, []string{runID, dealerRegime, strconv.Itoa(s.Day), s.TotalFace.String(),
			face(s, "short"), face(s, "mid"), face(s, "long"), s.TotalCash.String(), ratio.String()})
	}
	return dst
}

// RepaymentRow is one row of repayment_events.csv: how a trader met one
// liability, and how it traded before.
type RepaymentRow struct {
	Trader, Liability string
	MaturityDay       int
	Face              string
	Outcome           string
	Buys, Sells       int
	NetCash           pynum.Amount
	Strategy          string
}

// RepaymentRows builds repayment_events.csv's rows (spec §10.6) from the
// event log (PayableSettled and payable ObligationDefaulted, in log order)
// and the trades, stably sorted by (maturity day, trader).
func RepaymentRows(events []engine.Event, trades []dealer.Trade) []RepaymentRow {
	return repaymentRows(func(yield func(*engine.Event) bool) {
		for i := range events {
			if !yield(&events[i]) {
				return
			}
		}
	}, trades)
}

// repaymentRows is RepaymentRows on a sequence of events (each read once,
// nothing of it kept but its values).
func repaymentRows(events iter.Seq[*engine.Event], trades []dealer.Trade) []RepaymentRow {
	var rows []RepaymentRow
	for e := range events {
		var r RepaymentRow
		var amount pynum.Amount
		var ok bool
		switch e.Kind {
		case "PayableSettled":
			r.Outcome = "repaid"
			amount, ok = e.GetAmount("amount")
		case "ObligationDefaulted":
			if e.GetString("contract_kind") != engine.KindPayable {
				continue
			}
			r.Outcome = "defaulted"
			if amount, ok = e.GetAmount("original_amount"); !ok {
				amount, ok = e.GetAmount("amount")
			}
		default:
			continue
		}
		r.Trader, r.Liability, r.MaturityDay = e.GetString("debtor"), e.GetString("contract_id"), e.Day
		if r.Trader == "" {
			continue
		}
		r.Face = "0"
		if ok {
			r.Face = amount.String()
		}
		r.NetCash = pynum.Dec(0, 0)
		for j := range trades {
			x := &trades[j]
			if x.Trader != r.Trader || x.Day >= r.MaturityDay {
				continue
			}
			if x.Side == dealer.Sell {
				r.Sells++
				r.NetCash = pynum.Add(r.NetCash, x.Price)
			} else {
				r.Buys++
				r.NetCash = pynum.Sub(r.NetCash, x.Price)
			}
		}
		switch {
		case r.Buys == 0 && r.Sells == 0:
			r.Strategy = "no_trade"
		case r.Buys > 0 && r.Sells > 0:
			r.Strategy = "round_trip"
		case r.Sells > 0:
			r.Strategy = "sell_before"
		default:
			r.Strategy = "hold_to_maturity"
		}
		rows = append(rows, r)
	}
	slices.SortStableFunc(rows, func(a, b RepaymentRow) int {
		return cmp.Or(cmp.Compare(a.MaturityDay, b.MaturityDay), strings.Compare(a.Trader, b.Trader))
	})
	return rows
}

// AppendRepaymentCSV renders repayment_events.csv.
func AppendRepaymentCSV(dst []byte, runID string, rows []RepaymentRow) []byte {
	dst = AppendCSVRecord(dst, []string{"run_id", "regime", "trader_id", "liability_id", "maturity_day", "face_value", "outcome",
		"buy_count", "sell_count", "net_cash_pnl", "strategy"})
	for _, r := range rows {
		dst = AppendCSVRecord(dst, []string{runID, dealerRegime, r.Trader, r.Liability, strconv.Itoa(r.MaturityDay), r.Face, r.Outcome,
			strconv.Itoa(r.Buys), strconv.Itoa(r.Sells), r.NetCash.String(), r.Strategy})
	}
	return dst
}
