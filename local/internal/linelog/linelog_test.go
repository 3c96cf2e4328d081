package linelog

import (
	"strings"
	"testing"
)

func TestPrefixedWritesWholeLines(t *testing.T) {
	var b strings.Builder
	s := NewSink(&b)
	a, c := s.Prefixed("[A] "), s.Prefixed("[C] ")
	_, _ = a.Write([]byte("one\ntw"))
	_, _ = c.Write([]byte("x\n"))
	_, _ = a.Write([]byte("o\nthree"))
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	want := "[A] one\n[C] x\n[A] two\n[A] three\n"
	if b.String() != want {
		t.Errorf("got %q, want %q", b.String(), want)
	}
}
