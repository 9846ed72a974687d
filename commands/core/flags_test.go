package core

import "testing"

// bilancio's spellings of run's boolean options: --no-NAME turns off what
// -NAME turns on (the sweep commands' are in commands' TestBilancioFlagSpellings).
func TestRunFlagSpellings(t *testing.T) {
	var rf runFlags
	rfs := (&RunCommand{}).flags(&rf)
	if _, err := ParseArgs(rfs, []string{"--no-t-account", "--no-detailed-logging", "x.yaml"}); err != nil || rf.tAccount || rf.detailed.Or(true) {
		t.Errorf("run --no-t-account --no-detailed-logging: %v, %v, %+v", err, rf.tAccount, rf.detailed)
	}
	if _, err := ParseArgs(rfs, []string{"--t-account", "--detailed-logging"}); err != nil || !rf.tAccount || !rf.detailed.Or(false) || !rf.detailed.Given() {
		t.Errorf("run --t-account --detailed-logging: %v, %v, %+v", err, rf.tAccount, rf.detailed)
	}
}
