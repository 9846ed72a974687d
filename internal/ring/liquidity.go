package ring

import (
	"errors"
	"fmt"
	"strconv"

	"github.com/bilancio-go/bilancio/internal/pynum"
)

// allocateLiquidity splits the initial liquidity among the agents H1…Hn as
// bilancio's _allocate_liquidity does (spec §10.5).
func allocateLiquidity(r *resolved) ([]pynum.Amount, error) {
	n, total := r.NAgents, r.l0
	out := make([]pynum.Amount, n)
	switch r.Liquidity {
	case Uniform:
		share := pynum.Quo(total, pynum.Dec(int64(n), 0))
		for i := range out {
			out[i] = share
		}
	case SingleAt:
		found := false
		for i := range out {
			if agentID(i) == r.LiquidityAgent {
				out[i], found = total, true
			} else {
				out[i] = pynum.Dec(0, 0)
			}
		}
		if !found {
			return nil, fmt.Errorf("liquidity allocation agent %q not in ring", r.LiquidityAgent)
		}
	case VectorMode:
		vector := make([]pynum.Amount, len(r.LiquidityVector))
		for i, w := range r.LiquidityVector {
			vector[i] = pynum.AsDecimal(w)
		}
		if len(vector) != n {
			return nil, fmt.Errorf("liquidity vector has %d values, want n_agents = %d", len(vector), n)
		}
		weightTotal := decSum(vector)
		if weightTotal.Sign() <= 0 {
			return nil, errors.New("liquidity vector must sum to a positive value")
		}
		running := pynum.Dec(0, 0)
		for i, w := range vector {
			if i == n-1 {
				out[i] = pynum.Sub(total, running)
				break
			}
			out[i] = pynum.Quo(pynum.Mul(total, w), weightTotal)
			running = pynum.Add(running, out[i])
		}
	}
	return out, nil
}

// agentID returns the id of the i-th ring agent (0-based): H1, H2, …
func agentID(i int) string { return "H" + strconv.Itoa(i+1) }
