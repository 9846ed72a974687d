package report

import (
	"bytes"
	"strings"
	"testing"
)

func TestCompare(t *testing.T) {
	run := func(id, k, seed, delta, phi string) DashboardRun {
		st := "completed"
		if delta == "" {
			st = "failed"
		}
		return DashboardRun{ID: id, Seed: seed, Kappa: k, Concentration: "1", Mu: "0", Monotonicity: "0", Status: st, Delta: delta, Phi: phi}
	}
	control := &Dashboard{ExperimentID: "a", Runs: []DashboardRun{
		run("a1", "0.5", "1", "0.5", "0.5"),
		run("a2", "1", "1", "0.1", "0.9"),
		run("a3", "2", "1", "0", "1"),
		run("a4", "4", "1", "0.3333333333333333333333333333", "0.6666666666666666666666666667"),
		run("a5", "8", "1", "", ""),
	}}
	treatment := &Dashboard{ExperimentID: "b", Runs: []DashboardRun{
		run("b1", "0.5", "1", "0.25", "0.75"),
		run("b2", "1", "1", "0.1", "0.9"),
		run("b3", "2", "1", "0.2", "0.8"),
		run("b4", "4", "1", "0.1", "0.9"),
		run("b6", "16", "1", "0.7", "0.3"),
	}}
	rows, err := Compare(control, treatment)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := WriteComparisonCSV(&buf, rows); err != nil {
		t.Fatal(err)
	}
	want := strings.Join([]string{
		"kappa,concentration,mu,monotonicity,seed,delta_control,delta_treatment,delta_reduction,relief_ratio,phi_control,phi_treatment,control_run_id,control_status,treatment_run_id,treatment_status",
		"0.5,1,0,0,1,0.5,0.25,0.25,0.5,0.5,0.75,a1,completed,b1,completed",
		"1,1,0,0,1,0.1,0.1,0.0,0,0.9,0.9,a2,completed,b2,completed",
		"2,1,0,0,1,0,0.2,-0.2,0,1,0.8,a3,completed,b3,completed",
		"4,1,0,0,1,0.3333333333333333333333333333,0.1,0.2333333333333333333333333333,0.7000000000000000000000000000,0.6666666666666666666666666667,0.9,a4,completed,b4,completed",
		"8,1,0,0,1,,,,,,,a5,failed,,",
		"16,1,0,0,1,,0.7,,,,0.3,,,b6,completed",
		"",
	}, "\r\n")
	if got := buf.String(); got != want {
		t.Errorf("comparison.csv:\n%s\nwant:\n%s", got, want)
	}
	var page bytes.Buffer
	if err := WriteComparison(&page, control, treatment, rows); err != nil {
		t.Fatal(err)
	}
	s := page.String()
	if n := strings.Count(s, `<rect class="cell"`); n != 6 {
		t.Errorf("comparison heatmap has %d cells, want 6", n)
	}
	if s := strings.ReplaceAll(s, "http://www.w3.org/2000/svg", ""); strings.Contains(s, "http://") || strings.Contains(s, "https://") {
		t.Error("comparison page references the network")
	}
}
