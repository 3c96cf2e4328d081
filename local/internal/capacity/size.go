// Package capacity meters what each DynamoDB request a function makes would cost on an on-demand
// table: read and write request units computed from the sizes of the items it touches, by the
// rules of the DynamoDB Developer Guide ("DynamoDB item sizes and formats", "DynamoDB read and
// write operations"). DynamoDB Local's own ConsumedCapacity is not used: it undercounts (it
// charges, for example, one unit per transaction item where DynamoDB charges two).
package capacity

import (
	"strings"
	"unicode/utf8"
)

// Value is one attribute value in DynamoDB's JSON wire format ({"S": "..."}, {"N": "12"},
// {"M": {...}}, ...). B and BS decode from base64, so their length is the raw bytes'.
type Value struct {
	S    *string          `json:"S,omitempty"`
	N    *string          `json:"N,omitempty"`
	B    []byte           `json:"B,omitempty"`
	BOOL *bool            `json:"BOOL,omitempty"`
	NULL *bool            `json:"NULL,omitempty"`
	M    map[string]Value `json:"M,omitempty"`
	L    []Value          `json:"L,omitempty"`
	SS   []string         `json:"SS,omitempty"`
	NS   []string         `json:"NS,omitempty"`
	BS   [][]byte         `json:"BS,omitempty"`
}

// Item is one item: attribute name -> value.
type Item map[string]Value

// Size is the item's size as DynamoDB counts it for capacity: the sum, over its attributes, of
// the name's UTF-8 bytes and the value's size (valueSize).
func (it Item) Size() int {
	n := 0
	for name, v := range it {
		n += len(name) + v.size()
	}
	return n
}

// size is a value's size without its name: a string's UTF-8 bytes, a binary's raw bytes, a
// number's 1 byte per two significant digits plus 1, 1 for a Boolean or null; a list or map 3
// bytes plus 1 per element plus the elements (a map's keys included); a set its elements.
func (v Value) size() int {
	switch {
	case v.S != nil:
		return len(*v.S)
	case v.N != nil:
		return numberSize(*v.N)
	case v.B != nil:
		return len(v.B)
	case v.BOOL != nil, v.NULL != nil:
		return 1
	case v.M != nil:
		n := 3
		for k, e := range v.M {
			n += 1 + len(k) + e.size()
		}
		return n
	case v.L != nil:
		n := 3
		for _, e := range v.L {
			n += 1 + e.size()
		}
		return n
	case v.SS != nil:
		return sumOf(v.SS, func(s string) int { return len(s) })
	case v.NS != nil:
		return sumOf(v.NS, numberSize)
	case v.BS != nil:
		return sumOf(v.BS, func(b []byte) int { return len(b) })
	}
	return 0
}

// sumOf is the sum of f over xs: a set's size is its elements'.
func sumOf[T any](xs []T, f func(T) int) int {
	n := 0
	for _, x := range xs {
		n += f(x)
	}
	return n
}

// numberSize is (significant digits / 2, rounded up) + 1: sign, exponent, decimal point and
// leading and trailing zeroes are not significant.
func numberSize(n string) int {
	mantissa, _, _ := strings.Cut(strings.ToLower(n), "e")
	digits := strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return r
		}
		return -1
	}, mantissa)
	digits = strings.Trim(digits, "0")
	return (utf8.RuneCountInString(digits)+1)/2 + 1
}
