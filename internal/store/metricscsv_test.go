package store

import (
	"reflect"
	"testing"
)

// checkPlainMetrics checks that parsePlainMetricsCSV, when it takes b,
// reads it as csv.Reader does.
func checkPlainMetrics(t *testing.T, b []byte) bool {
	t.Helper()
	days, ok, plain := parsePlainMetricsCSV(b)
	if !plain {
		return false
	}
	want, wantOK := parseMetricsCSVDicts(b)
	if ok != wantOK || (ok && !reflect.DeepEqual(days, want)) {
		t.Fatalf("%q: plain %v %+v, csv.Reader %v %+v", b, ok, days, wantOK, want)
	}
	return true
}

// A metrics.csv as the engine writes it, and files near it.
func TestPlainMetricsCSV(t *testing.T) {
	const written = "G_t,HHIplus_t,M_t,Mbar_t,Mpeak_t,S_t,alpha_t,day,delta_t,gross_settlement_t,phi_t,v_t\r\n" +
		"0,0.4,500,100,200,500,1,1,0,500,1,0.25\r\n" +
		",,500,,200,0,,2,,0,,\r\n"
	for _, c := range []struct {
		doc   string
		plain bool
	}{
		{written, true},
		{"", true},
		{"day,S_t\n", true},
		{"day,S_t\n1,5\n\n2,6", true},
		{"day,S_t\r\n1,5\r\n", true},
		{"S_t,day,S_t\n1,2,3\n", true},
		{"S_t\n7\n", true},
		{"day,S_t\nx,5\n", true},
		{"day,S_t\n1\n", false},
		{"day,S_t\n1,\"5\"\n", true},
		{"day,notes,S_t\n1,\"a, b\",5\n2,,6\n", true},
		{"day,notes,S_t\n1,\"a, b\"\n", false},
		{"day,S_t,notes\n1,5,\"a, b\"\n2,6,\n", true},
		{"day,S_t,notes\n1,5,\"\"\n", true},
		{"\"day\",\"S_t\"\n1,5\n", true},
		{"day,S_t,notes\n1,5,\"a \"\"b\"\"\"\n", false},
		{"day,S_t,notes\n1,5,\"a\"b\n", false},
		{"day,S_t,notes\n1,5,a\"b\n", false},
		{"day,S_t,notes\n1,5,\"a\n b\"\n", false},
		{"day,S_t,notes\n1,5,\"a\n", false},
		{"day,S_t,notes\n1,5, \"a\"\n", false},
		{"day,S_t\n1,5\r", false},
		{"day,S_t\n1,5\r2,3\n", false},
	} {
		if got := checkPlainMetrics(t, []byte(c.doc)); got != c.plain {
			t.Errorf("%q: taken %v, want %v", c.doc, got, c.plain)
		}
	}
}

func FuzzPlainMetricsCSV(f *testing.F) {
	f.Add([]byte("day,S_t,phi_t\r\n1,500,0.5\r\n2,,\r\n"))
	f.Add([]byte("G_t,HHIplus_t,Mpeak_t,S_t,alpha_t,day,delta_t,phi_t,v_t\n0,1,2,3,4,1,5,6,7\n"))
	f.Add([]byte("G_t,HHIplus_t,M_t,Mbar_t,Mpeak_t,S_t,alpha_t,day,delta_t,gross_settled_t,n_creditors,n_debtors,notes,phi_t,v_t\n" +
		"0,,1000,0,0,0,,1,,0,0,0,\"no net creditors, no net debtors\",,\n0,1,1000,62,0,62,0,2,1,0,1,1,,0,\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		checkPlainMetrics(t, b)
	})
}
