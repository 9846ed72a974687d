package dealer

import "github.com/bilancio-go/bilancio/internal/pynum"

// Instruments is what the December-era instrumentation records (spec
// §2.2 steps 4 and 6, §10.2–§10.5): the initial equity, debt and money, and
// the daily snapshots taken in P2, before the day's trades.
type Instruments struct {
	// InitialEquity is E_0 per market, in bucket order.
	InitialEquity []pynum.Amount
	// InitialTotalDebt is the sum of the payables' faces at initialisation,
	// InitialTotalMoney the total cash of the non-dealer agents.
	InitialTotalDebt, InitialTotalMoney pynum.Amount
	// Buckets holds one snapshot per (day, market), days ascending, markets
	// in bucket order.
	Buckets []BucketSnapshot
	// System holds one snapshot per day.
	System []SystemSnapshot
}

// BucketSnapshot is a market's state at P2 of a day.
type BucketSnapshot struct {
	Day       int
	Bucket    string
	Inventory int
	// Cash, Bid, Ask, Midline and MaxCapacity (X*) are the dealer's; VBTMid
	// the VBT's M.
	Cash, Bid, Ask, Midline, MaxCapacity, VBTMid pynum.Amount
	// TotalSystemFace counts one S per trader-owned ticket of the bucket;
	// DealerSharePct is a·S over it, in percent (Decimal 0 without any).
	TotalSystemFace, DealerSharePct pynum.Amount
}

// SystemSnapshot is the whole subsystem at P2 of a day.
type SystemSnapshot struct {
	Day int
	// FaceByBucket is in bucket order; TotalFace their sum, counting one S
	// per trader-owned ticket and a·S per dealer.
	FaceByBucket []pynum.Amount
	TotalFace    pynum.Amount
	// TotalCash sums the traders', dealers' and VBTs' cash.
	TotalCash pynum.Amount
}

// RecordInitial records E_0 per market and the initial debt and money.
func (st *State) RecordInitial(debt, money pynum.Amount) {
	in := &st.Instruments
	in.InitialTotalDebt, in.InitialTotalMoney = debt, money
	for _, m := range st.Markets {
		a := pynum.Int(int64(len(m.Dealer.Inventory)))
		in.InitialEquity = append(in.InitialEquity, pynum.Add(m.Dealer.Cash, pynum.Mul(pynum.Mul(m.VBT.M, a), st.Config.TicketSize)))
	}
}

// snapshot records the day's P2 snapshots: without Detailed, only what the
// dealer metrics and the run's page read of each market.
func (st *State) snapshot(day int) {
	s := st.Config.TicketSize
	in := &st.Instruments
	if !st.Detailed {
		if in.Buckets == nil {
			in.Buckets = make([]BucketSnapshot, 0, snapshotDays*len(st.Markets))
		}
		for _, m := range st.Markets {
			d := m.Dealer
			in.Buckets = append(in.Buckets, BucketSnapshot{
				Day: day, Bucket: m.Bucket.Name, Inventory: len(d.Inventory),
				Cash: d.Cash, Bid: d.Bid, Ask: d.Ask, Midline: d.Midline, MaxCapacity: d.XStar, VBTMid: m.VBT.M,
			})
		}
		return
	}
	// Trader-owned tickets per market, and in all: each counts one S.
	counts := st.counts[:0]
	for range st.Markets {
		counts = append(counts, 0)
	}
	st.counts = counts
	owned := 0
	for _, tr := range st.Traders {
		for _, t := range tr.TicketsOwned {
			if i := st.marketIndexOf(t); i >= 0 {
				counts[i]++
			}
			owned++
		}
	}
	sys := SystemSnapshot{Day: day, TotalFace: repeatedSum(owned, s)}
	nm := len(st.Markets)
	if in.Buckets == nil {
		// Snapshots are large: room for a usual run's days at once rather
		// than copies at every doubling.
		in.Buckets = make([]BucketSnapshot, 0, snapshotDays*nm)
		in.System = make([]SystemSnapshot, 0, snapshotDays)
	}
	if cap(st.faces)-len(st.faces) < nm {
		st.faces = make([]pynum.Amount, 0, snapshotDays*nm)
	}
	sys.FaceByBucket = st.faces[len(st.faces) : len(st.faces)+nm : len(st.faces)+nm]
	st.faces = st.faces[:len(st.faces)+nm]
	for i, m := range st.Markets {
		total := repeatedSum(counts[i], s)
		a := len(m.Dealer.Inventory)
		share := pynum.Dec(0, 0)
		if total.Sign() > 0 {
			dealerFace := pynum.Mul(decimalInt(a), s)
			share = pynum.Mul(pynum.Quo(dealerFace, total), pynum.Int(100))
		}
		d := m.Dealer
		in.Buckets = append(in.Buckets, BucketSnapshot{
			Day: day, Bucket: m.Bucket.Name, Inventory: a,
			Cash: d.Cash, Bid: d.Bid, Ask: d.Ask, Midline: d.Midline, MaxCapacity: d.XStar, VBTMid: m.VBT.M,
			TotalSystemFace: total, DealerSharePct: share,
		})
		sys.FaceByBucket[i] = total
	}
	for i, m := range st.Markets {
		f := pynum.Mul(decimalInt(len(m.Dealer.Inventory)), s)
		sys.FaceByBucket[i] = pynum.Add(sys.FaceByBucket[i], f)
		sys.TotalFace = pynum.Add(sys.TotalFace, f)
	}
	cash := st.traderCash()
	for _, m := range st.Markets {
		cash.Add(m.Dealer.Cash)
	}
	for _, m := range st.Markets {
		cash.Add(m.VBT.Cash)
	}
	sys.TotalCash = cash.Value()
	in.System = append(in.System, sys)
}

// traderCash returns Decimal(0) plus every trader's cash, in order, as a
// DecimalSum to add more to. While the cash amounts are whole numbers at
// exponent 0 whose running total fits an int64 (the usual case: cash as the
// main system holds it) the total is one int64 sum, added to the DecimalSum
// at once — the state term-by-term addition would reach; otherwise the
// terms are added one by one.
func (st *State) traderCash() pynum.DecimalSum {
	var sum pynum.DecimalSum
	var whole int64
	for _, tr := range st.Traders {
		c, ok := tr.Cash.Whole()
		t := whole + c
		if !ok || (t^whole)&(t^c) < 0 {
			for _, tr := range st.Traders {
				sum.Add(tr.Cash)
			}
			return sum
		}
		whole = t
	}
	sum.Add(pynum.Int(whole))
	return sum
}

// snapshotDays is how many days of snapshots are allocated at once.
const snapshotDays = 16

// repeatedSum returns Decimal(0) + s + … + s with n terms, as bilancio sums
// one S per ticket. When every partial sum is exact (a positive s with an
// int64 coefficient, exponent ≤ 0, and n·s below 10^18 in it) that is
// Decimal(0) + n·s, computed at once; otherwise the terms are added one by
// one, each sum rounded as bilancio's is.
func repeatedSum(n int, s pynum.Amount) pynum.Amount {
	sum := pynum.Dec(0, 0)
	if c, e, _, big := s.Parts(); big == nil && c > 0 && e <= 0 && int64(n) < 1e18/c {
		if n == 0 {
			return sum
		}
		return pynum.Add(sum, pynum.Mul(pynum.Int(int64(n)), s))
	}
	for range n {
		sum = pynum.Add(sum, s)
	}
	return sum
}

// decimalInt is Python's Decimal(n).
func decimalInt(n int) pynum.Amount { return pynum.Dec(int64(n), 0) }
