package engine

import (
	"context"
	"fmt"

	"github.com/bilancio-go/bilancio/internal/dealer"
)

// Apply sets a loaded scenario up without simulating a day, as bilancio's
// validate command applies it to a fresh system: the initial actions in
// order, the invariant check, and the dealer's configuration when it is
// enabled. It returns the first action that cannot be applied, a broken
// invariant, or a dealer configuration the subsystem refuses.
func Apply(ctx context.Context, sc *Scenario) error {
	s, err := newSystem(sc, Options{})
	if err != nil {
		return err
	}
	if err := s.setup(ctx, sc); err != nil {
		return err
	}
	if err := s.checkInvariants(); err != nil {
		return fmt.Errorf("after setup: %w", err)
	}
	if sc.Dealer != nil && sc.Dealer.Enabled {
		if _, err := dealer.ParseConfig(true, sc.Dealer.Raw); err != nil {
			return err
		}
	}
	return nil
}
