package report

import (
	"math"
	"slices"
	"strconv"
)

// A sweep of many runs (more than MaxListed) does not fit in its
// dashboard: the page would weigh hundreds of megabytes and the browser
// could not draw it. Its runs are read as a stream instead, twice
// (Summarizer): the first pass learns the axes (the distinct values of
// each parameter, or its range when it is continuous) and the counts and
// means of the cards; the second bins every run into the cells the
// figures draw (the statistics of each metric over the runs of a cell,
// the same as the page computes from the runs themselves for a smaller
// sweep), keeps a sample of the runs for the table and the scatter plots
// (one run in k, picked by its id, with every failed run and every frontier probe, up to
// MaxListed in all) and feeds the points table (PointsTable). The memory
// is that of the cells, the sample and a chunk of the points table,
// whatever the number of runs.

// MaxListed is the number of runs a dashboard lists whole; a sweep of
// more gets the summary above.
const MaxListed = 10000

// RunsSummary is what a dashboard of a sweep of more than MaxListed runs
// knows of all of them (Dashboard.Runs then holds only a sample).
type RunsSummary struct {
	// Listed is the number of runs in the registry; Completed and Failed
	// count them by status.
	Listed, Completed, Failed int
	// DeltaSum, PhiSum and their counts are the sums of the completed
	// runs' values (in registry order); High and Low count the completed
	// runs with δ ≥ 0.85 and δ ≤ 0.15.
	DeltaSum, PhiSum float64
	DeltaN, PhiN     int
	High, Low        int
	// Axes are κ, c, μ and monotonicity over every run.
	Axes [4]Axis
	// Cells are the runs binned by (μ, monotonicity, κ, c) and phase.
	Cells []AggCell
	// Every is the sampling rate: the sample holds one run in Every
	// (Sampled), with every failed run and frontier probe.
	Every int
	// Points is the points table of every run (nil when not kept).
	Points *PointsTable
}

// Axis is one parameter's values over the runs: the distinct values
// (ascending) when there are fewer than continuousMin of them, else its
// range, binned into equal widths.
type Axis struct {
	Cont     bool
	Vals     []float64
	Lo, Hi   float64
	bins     int
	distinct map[float64]bool
}

// N is the number of the axis's cells.
func (a *Axis) N() int {
	if a.Cont {
		return a.bins
	}
	return len(a.Vals)
}

// Bin is the cell of value s on the axis (-1 when s is not a number).
func (a *Axis) Bin(s string) int {
	v := ParamValue(s)
	if math.IsNaN(v) {
		return -1
	}
	if a.Cont {
		w := (a.Hi - a.Lo) / float64(a.bins)
		return max(min(int((v-a.Lo)/w), a.bins-1), 0)
	}
	i, ok := slices.BinarySearch(a.Vals, v+0)
	if !ok {
		return -1
	}
	return i
}

// Label is a cell's label as designPoints writes it: the value, or the
// bin's "lo–hi".
func (a *Axis) Label(b int) string {
	if a.Cont {
		w := (a.Hi - a.Lo) / float64(a.bins)
		return fmtVal(a.Lo+float64(b)*w) + "–" + fmtVal(a.Lo+float64(b+1)*w)
	}
	return strconv.FormatFloat(a.Vals[b]+0, 'g', -1, 64)
}

// AggCell is the runs of one cell: their number and, per metric (δ, φ,
// time to stability), the statistics of the completed runs' values.
type AggCell struct {
	Frontier bool
	Mu, Mono int // the facet: cells of μ and monotonicity (-1: none)
	Kappa, C int
	Runs     int
	Metrics  [3]Stat
}

// Stat accumulates values: their count and sum (in the order added), and
// the sum of squared deviations from the running mean (Welford), for the
// 95% interval.
type Stat struct {
	N         int
	Sum, M2   float64
	meanSoFar float64
}

// Add counts a value.
func (s *Stat) Add(v float64) {
	s.N++
	s.Sum += v
	d := v - s.meanSoFar
	s.meanSoFar += d / float64(s.N)
	s.M2 += d * (v - s.meanSoFar)
}

// Mean is the mean (NaN without values) and its 95% interval (NaN ends
// with fewer than two values), as MeanCI computes them.
func (s *Stat) Mean() (mean, lo, hi float64) {
	if s.N == 0 {
		return math.NaN(), math.NaN(), math.NaN()
	}
	mean = s.Sum / float64(s.N)
	if s.N < 2 {
		return mean, math.NaN(), math.NaN()
	}
	lo, hi = interval95(mean, s.M2, s.N)
	return mean, lo, hi
}

// Summarizer reads a sweep's runs in two passes (see RunsSummary).
type Summarizer struct {
	s     RunsSummary
	cells map[[5]int]int
	runs  []DashboardRun
}

// NewSummarizer starts the first pass.
func NewSummarizer() *Summarizer {
	z := &Summarizer{}
	for i := range z.s.Axes {
		z.s.Axes[i].distinct = map[float64]bool{}
		z.s.Axes[i].Lo, z.s.Axes[i].Hi = math.Inf(1), math.Inf(-1)
		z.s.Axes[i].bins = binsPerAxis
		if i >= 2 {
			z.s.Axes[i].bins = binsFacet
		}
	}
	return z
}

// params are a run's four parameters.
func params(r *DashboardRun) [4]string {
	return [4]string{r.Kappa, r.Concentration, r.Mu, r.Monotonicity}
}

// Scan reads a run in the first pass.
func (z *Summarizer) Scan(r *DashboardRun) {
	s := &z.s
	s.Listed++
	for i, p := range params(r) {
		a := &s.Axes[i]
		v := ParamValue(p)
		if math.IsNaN(v) {
			continue
		}
		a.Lo, a.Hi = math.Min(a.Lo, v), math.Max(a.Hi, v)
		if len(a.distinct) < continuousMin {
			a.distinct[v+0] = true
		}
	}
	switch r.Status {
	case "completed":
		s.Completed++
		if v := ParamValue(r.Delta); !math.IsNaN(v) {
			s.DeltaSum += v
			s.DeltaN++
			if v >= 0.85 {
				s.High++
			}
			if v <= 0.15 {
				s.Low++
			}
		}
		if v := ParamValue(r.Phi); !math.IsNaN(v) {
			s.PhiSum += v
			s.PhiN++
		}
	case "failed":
		s.Failed++
	}
}

// Second ends the first pass and starts the second: the axes are fixed.
// Points, when not nil, receives every run of the second pass.
func (z *Summarizer) Second(points *PointsTable) {
	z.cells = map[[5]int]int{}
	z.s.Points = points
	z.s.Every = max(1, (z.s.Listed+MaxListed/2-1)/(MaxListed/2))
	for i := range z.s.Axes {
		a := &z.s.Axes[i]
		a.Cont = len(a.distinct) >= continuousMin && a.Hi > a.Lo
		if !a.Cont {
			for v := range a.distinct {
				a.Vals = append(a.Vals, v)
			}
			slices.Sort(a.Vals)
		}
		a.distinct = nil
	}
}

// Add reads a run in the second pass; it returns an error only from the
// points table.
func (z *Summarizer) Add(r *DashboardRun) error {
	s := &z.s
	frontier := r.Phase == "frontier"
	key := [5]int{0, s.Axes[2].Bin(r.Mu), s.Axes[3].Bin(r.Monotonicity), s.Axes[0].Bin(r.Kappa), s.Axes[1].Bin(r.Concentration)}
	if frontier {
		key[0] = 1
	}
	if key[3] >= 0 && key[4] >= 0 {
		i, ok := z.cells[key]
		if !ok {
			i = len(s.Cells)
			z.cells[key] = i
			s.Cells = append(s.Cells, AggCell{Frontier: frontier, Mu: key[1], Mono: key[2], Kappa: key[3], C: key[4]})
		}
		c := &s.Cells[i]
		c.Runs++
		if r.Status == "completed" {
			for m, v := range []string{r.Delta, r.Phi, r.TimeToStability} {
				if f := ParamValue(v); !math.IsNaN(f) {
					c.Metrics[m].Add(f)
				}
			}
		}
	}
	// The sample: one run in Every, every failed run and every frontier
	// probe, up to MaxListed runs.
	if len(z.runs) < MaxListed && (Sampled(r.ID, s.Every) || r.Status == "failed" || frontier) {
		z.runs = append(z.runs, *r)
	}
	if s.Points != nil {
		return s.Points.Add(r)
	}
	return nil
}

// Sampled reports whether the sample of one run in every keeps run id. It
// picks by a hash of the id, not by the run's place: every k-th run of a
// grid would see the same few values of its innermost parameters.
func Sampled(id string, every int) bool {
	h := uint64(14695981039346656037)
	for i := 0; i < len(id); i++ {
		h = (h ^ uint64(id[i])) * 1099511628211
	}
	h ^= h >> 33
	h *= 0xff51afd7ed558ccd
	h ^= h >> 33
	return h%uint64(max(every, 1)) == 0
}

// Done ends the second pass: the summary and the sample of the runs.
func (z *Summarizer) Done() (*RunsSummary, []DashboardRun) {
	return &z.s, z.runs
}

// summaryPoints are the points the figures draw from a summary's cells:
// one weighted point per cell (see designPoints).
func (s *RunsSummary) summaryPoints() []Point {
	label := func(a int, b int) string {
		if b < 0 {
			return ""
		}
		return s.Axes[a].Label(b)
	}
	pts := make([]Point, 0, len(s.Cells))
	for _, c := range s.Cells {
		m := c.Metrics[0]
		pts = append(pts, Point{Kappa: label(0, c.Kappa), Concentration: label(1, c.C), Mu: label(2, c.Mu), Monotonicity: label(3, c.Mono),
			Value: m.Sum, N: m.N, Runs: c.Runs})
	}
	return pts
}
