package engine

import (
	"context"
	"fmt"
	"slices"

	"github.com/bilancio-go/bilancio/internal/dealer"
	"github.com/bilancio-go/bilancio/internal/pynum"
)

// Run simulates sc until it is stable, reaches max_days, or stops on a
// default, as bilancio's run_until_stable does. A DefaultError ends the run
// normally (Result.Stop says how); an error is returned only when the
// scenario cannot run (an action that fails, a broken invariant) or ctx is
// cancelled.
func Run(ctx context.Context, sc *Scenario, opts Options) (*Result, error) {
	s, err := newSystem(sc, opts)
	if err != nil {
		return nil, err
	}
	res := &Result{DefaultHandling: s.defaultMode, MaxDays: sc.Run.MaxDays, QuietDays: sc.Run.QuietDays}
	if opts.MaxDays > 0 {
		res.MaxDays = opts.MaxDays
	}
	if opts.QuietDays != nil {
		res.QuietDays = *opts.QuietDays
	}
	check := opts.CheckInvariants
	if check == "" {
		check = CheckSetup
	}
	switch check {
	case CheckSetup, CheckDaily, CheckNone:
	default:
		return nil, fmt.Errorf("unknown invariant check mode %q (want setup, daily or none)", check)
	}

	if err := s.setup(ctx, sc); err != nil {
		return nil, err
	}
	if check != CheckNone {
		if err := s.checkInvariants(); err != nil {
			return nil, fmt.Errorf("after setup: %w", err)
		}
	}
	if sc.Dealer != nil && sc.Dealer.Enabled {
		cfg, err := dealer.ParseConfig(true, sc.Dealer.Raw)
		if err != nil {
			return nil, err
		}
		era, err := ParseDealerEra(string(opts.DealerEra))
		if err != nil {
			return nil, err
		}
		detailed := opts.DetailedLogging && era == DealerDecember
		s.initDealer(cfg, era, detailed)
		res.Dealer = &DealerRun{State: s.dealer.st, Era: era, Detailed: detailed}
	}
	if opts.Snapshots {
		res.Snapshots = append(res.Snapshots, s.view())
	}

	res.Stop = StopMaxDays
	quiet := 0
	for range res.MaxDays {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		day := s.st.day
		// The day's impacts; day 0's include the setup's events.
		impacts := s.ev.impacts
		if day == 0 {
			impacts = 0
		}
		res.DaysSimulated++
		if err := s.runDay(); err != nil {
			d, ok := isDefaultError(err)
			if !ok {
				return nil, fmt.Errorf("day %d: %w", day, err)
			}
			res.Stop, res.StopMessage = StopDefault, d.Msg
			if d.Msg == errAllDefaulted {
				res.Stop = StopAllDefaulted
			}
			if opts.Snapshots {
				res.Snapshots = append(res.Snapshots, s.view())
			}
			break
		}
		if check == CheckDaily {
			if err := s.checkInvariants(); err != nil {
				if s.dealer == nil {
					return nil, fmt.Errorf("after day %d: %w", day, err)
				}
				// The dealer's silent burn breaks the central bank's cash
				// bookkeeping by design; bilancio's sweep only warns
				// (spec/dealer.md §4.1, §6.3).
				res.Warnings = append(res.Warnings, fmt.Sprintf("after day %d: %v", day, err))
			}
		}
		if opts.Snapshots {
			res.Snapshots = append(res.Snapshots, s.view())
		}
		if opts.EmulateDisplayTruncation && day >= 1 && s.showsDeletedInstrument(sc.Run.ShowBalances) {
			res.Stop = StopDisplayTruncated
			break
		}
		if s.ev.impacts == impacts {
			quiet++
		} else {
			quiet = 0
		}
		if quiet >= res.QuietDays && !s.openObligations() {
			res.Stop = StopStable
			break
		}
	}
	res.events = &loggedEvents{log: &s.ev, tables: eventTables{agents: s.st.agents, contracts: s.st.contracts, aliases: s.st.aliases, aliasNames: s.st.aliasNames}}
	res.final = &finalView{s: s}
	return res, nil
}

// newSystem builds the agents and policy of sc.
func newSystem(sc *Scenario, opts Options) (*system, error) {
	mode := sc.Run.DefaultHandling
	if opts.DefaultHandling != "" {
		mode = opts.DefaultHandling
	}
	if mode == "" {
		mode = FailFast
	}
	if mode != FailFast && mode != ExpelAgent {
		return nil, fmt.Errorf("unknown default handling %q (want %s or %s)", mode, FailFast, ExpelAgent)
	}
	s := &system{defaultMode: mode}
	st := &s.st
	s.setupPhase = true
	st.cbIndex = noAgent
	// The agents' ids are distinct if loading found them so and they have
	// not changed since; else the index checks them as it is built.
	checked := sc.refs.agentsChecked(sc.Agents)
	if !checked {
		st.agentIndex = make(map[string]int32, len(sc.Agents))
	}
	st.aliasNames = slices.Clip(sc.refs.aliasTable())
	st.aliasLast = make([]int32, len(st.aliasNames))
	st.aliases = make([]aliasEntry, 0, len(sc.InitialActions))
	st.cbCash, st.cbReserves = pynum.Int(0), pynum.Int(0)
	st.agents = make([]agent, 0, len(sc.Agents)+dealerAgentRoom(sc))
	contracts := 3*len(sc.InitialActions)/2 + 16
	st.contracts = make([]*contract, 0, contracts)
	// A small run's first contract block and id arena hold what it is
	// likely to create (a ring of five creates about twenty contracts),
	// not a whole block: allocating and clearing 13 KB of contracts is a
	// noticeable part of such a run. Later blocks have the usual sizes.
	s.slab = make([]contract, 0, min(contracts, contractSlab))
	s.ids = make([]byte, 0, min(contracts*20, idArena))
	// A ring logs about three events per action and five values per event:
	// sized up front, the log rarely grows.
	dr, dv, ds := dealerLogRoom(sc)
	s.ev.recs = make([]rec, 0, 4*len(sc.InitialActions)+64+dr)
	s.ev.vals = make([]cval, 0, 18*len(sc.InitialActions)+64+dv)
	s.ev.strs = make([]string, 0, 16+ds)
	payables := 0
	for i := range sc.InitialActions {
		if sc.InitialActions[i].Kind == ActCreatePayable {
			payables++
		}
	}
	s.pending = make([]duePayable, 0, payables)
	lists := make([]int32, 2*listRoom*len(sc.Agents))
	for _, a := range sc.Agents {
		i := int32(len(st.agents))
		// A new id grows the index; a duplicate replaces an entry.
		if !checked {
			if st.agentIndex[a.ID] = i; len(st.agentIndex) == int(i) {
				return nil, fmt.Errorf("line %d: duplicate agent id %q", a.Pos.Line, a.ID)
			}
		}
		// Each agent's asset and liability lists start in one shared block,
		// with room for a few entries (a ring's agent holds two or three).
		assets, liabilities := lists[:0:listRoom], lists[listRoom:listRoom:2*listRoom]
		lists = lists[2*listRoom:]
		st.agents = append(st.agents, agent{})
		ag := &st.agents[i] // filled in place: see newContract
		ag.id, ag.name, ag.kind = a.ID, a.Name, a.Kind
		ag.assets, ag.liabilities = assets, liabilities
		if a.Kind == "central_bank" && st.cbIndex == noAgent {
			st.cbIndex = i
		}
		if a.Kind != "central_bank" {
			s.live++
		}
	}
	st.mopOverrides = sc.PolicyOverrides
	return s, nil
}

// listRoom is the room for entries each agent's asset and liability lists
// start with.
const listRoom = 4

// setup runs the initial actions (phase setup, day 0) and buckets the
// scheduled actions by day.
func (s *system) setup(ctx context.Context, sc *Scenario) error {
	for i := range sc.InitialActions {
		if i%256 == 255 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		if err := s.apply(&sc.InitialActions[i]); err != nil {
			return fmt.Errorf("setup: %w", err)
		}
	}
	s.setupPhase = false
	if len(sc.ScheduledActions) > 0 {
		s.st.scheduled = make(map[int64][]Action)
	}
	for _, sa := range sc.ScheduledActions {
		if _, ok := s.st.scheduled[sa.Day]; !ok {
			s.st.scheduledDays = append(s.st.scheduledDays, sa.Day)
		}
		s.st.scheduled[sa.Day] = append(s.st.scheduled[sa.Day], sa.Action)
	}
	return nil
}

// runDay is bilancio's run_day: phase A, B1 (scheduled actions), B2
// (settlement), C (clearing), then the day counter moves on. A default in B2
// leaves the day counter where it was.
func (s *system) runDay() error {
	day := s.st.day
	s.emit(evPhaseA, 0)
	s.emit(evPhaseB, 0)
	s.emit(evSubphaseB1, 0)
	actions := s.st.scheduled[int64(day)]
	for i := range actions {
		if err := s.apply(&actions[i]); err != nil {
			return err
		}
	}
	if s.dealer != nil {
		if err := s.dealerPhase(day); err != nil {
			return err
		}
	}
	s.emit(evSubphaseB2, 0)
	if err := s.settleDue(day); err != nil {
		return err
	}
	s.emit(evPhaseC, 0)
	if err := s.clearIntraday(day); err != nil {
		return err
	}
	s.st.day++
	return nil
}

// openObligations reports whether a payable or delivery obligation remains.
func (s *system) openObligations() bool {
	for _, c := range s.st.contracts {
		if !c.removed && (c.kind == KindPayable || c.kind == KindDeliveryObligation) {
			return true
		}
	}
	return false
}
