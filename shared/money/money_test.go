package money

import (
	"errors"
	"testing"
)

func TestParse(t *testing.T) {
	for _, c := range []struct {
		in, cur string
		want    int64
		err     error
	}{
		{"128.50", "CNY", 12850, nil},
		{"128.5", "CNY", 12850, nil},
		{"1000", "CNY", 100000, nil},
		{"0.01", "USD", 1, nil},
		{"500", "JPY", 500, nil},
		{"999999999999999.99", "USD", 99999999999999999, nil},
		{"1.001", "USD", 0, ErrDecimals},
		{"1.5", "JPY", 0, ErrDecimals},
		{"0", "USD", 0, ErrNotPos},
		{"0.00", "USD", 0, ErrNotPos},
		{"-1", "USD", 0, ErrAmount},
		{"+1", "USD", 0, ErrAmount},
		{"1e3", "USD", 0, ErrAmount},
		{"1,000", "USD", 0, ErrAmount},
		{".5", "USD", 0, ErrAmount},
		{"5.", "USD", 0, ErrAmount},
		{"", "USD", 0, ErrAmount},
		{"1000000000000000", "USD", 0, ErrAmount},
		{"1", "usd", 0, ErrCurrency},
		{"1", "XYZ", 0, ErrCurrency},
	} {
		got, err := Parse(c.in, c.cur)
		if !errors.Is(err, c.err) || err == nil && got.Minor != c.want {
			t.Errorf("Parse(%q, %s) = %d, %v; want %d, %v", c.in, c.cur, got.Minor, err, c.want, c.err)
		}
	}
}

func TestFormat(t *testing.T) {
	for _, c := range []struct {
		minor int64
		cur   string
		want  string
	}{{12850, "CNY", "128.50"}, {1, "USD", "0.01"}, {100000, "CNY", "1000.00"}, {500, "JPY", "500"}, {-250, "USD", "-2.50"}, {0, "USD", "0.00"}} {
		if got := Format(c.minor, c.cur); got != c.want {
			t.Errorf("Format(%d, %s) = %q, want %q", c.minor, c.cur, got, c.want)
		}
	}
}
