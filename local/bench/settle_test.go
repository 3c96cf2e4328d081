package main

import "testing"

func TestParseCPULine(t *testing.T) {
	busy, total, ok := parseCPULine("cpu  100 5 50 800 40 3 2 0 0 0")
	if !ok || busy != 160 || total != 1000 {
		t.Fatalf("busy %d, total %d, ok %v; want 160 of 1000", busy, total, ok)
	}
	for _, bad := range []string{"", "cpu0 1 2 3 4 5", "cpu 1 2 x 4 5", "cpu 1 2 3"} {
		if _, _, ok := parseCPULine(bad); ok {
			t.Errorf("%q parsed", bad)
		}
	}
}
