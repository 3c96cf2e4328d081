package courier

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestParts(t *testing.T) {
	a, zh := strings.Repeat, func(n int) string { return strings.Repeat("钱", n) }
	for _, tc := range []struct {
		name, text string
		parts      int
		enc        string
	}{
		{"empty", "", 1, EncodingGSM7},
		{"exactly 160", a("a", 160), 1, EncodingGSM7},
		{"161", a("a", 161), 2, EncodingGSM7},
		{"2 x 153", a("a", 306), 2, EncodingGSM7},
		{"2 x 153 + 1", a("a", 307), 3, EncodingGSM7},
		{"every basic character counts one", a(gsmBasic, 1) + a("a", 160-utf8.RuneCountInString(gsmBasic)), 1, EncodingGSM7},
		{"an extension character at 159 counts two", a("a", 158) + "€", 1, EncodingGSM7},
		{"an extension character at 160 counts two", a("a", 159) + "€", 2, EncodingGSM7},
		{"every extension character counts two", gsmExtension + a("a", 160-2*utf8.RuneCountInString(gsmExtension)+1), 2, EncodingGSM7},
		{"an extension character is not split between parts", a("a", 152) + "[" + a("a", 152), 3, EncodingGSM7},
		{"a typographic apostrophe forces UCS-2", "it’s", 1, EncodingUCS2},
		{"an ellipsis forces UCS-2", a("a", 70) + "…", 2, EncodingUCS2},
		{"one emoji forces UCS-2", a("a", 68) + "😀", 1, EncodingUCS2},
		{"an emoji counts two units", a("a", 69) + "😀", 2, EncodingUCS2},
		{"exactly 70 UCS-2", zh(70), 1, EncodingUCS2},
		{"71 UCS-2", zh(71), 2, EncodingUCS2},
		{"2 x 67", zh(134), 2, EncodingUCS2},
		{"2 x 67 + 1", zh(135), 3, EncodingUCS2},
		{"a surrogate pair is not split between parts", zh(66) + "😀" + zh(66), 3, EncodingUCS2},
		{"Chinese punctuation is UCS-2", "【钱包】", 1, EncodingUCS2},
	} {
		parts, enc := Parts(tc.text)
		if parts != tc.parts || enc != tc.enc {
			t.Errorf("%s: Parts = %d %s, want %d %s", tc.name, parts, enc, tc.parts, tc.enc)
		}
	}
}

// TestGSMAlphabet: the tables hold GSM 03.38's 127 characters (128 less the escape) and its
// extension's 10, each once.
func TestGSMAlphabet(t *testing.T) {
	seen := map[rune]bool{}
	for _, r := range gsmBasic + gsmExtension {
		if seen[r] {
			t.Errorf("%q twice", r)
		}
		seen[r] = true
	}
	if n, m := utf8.RuneCountInString(gsmBasic), utf8.RuneCountInString(gsmExtension); n != 127 || m != 10 {
		t.Errorf("%d basic and %d extension characters, want 127 and 10", n, m)
	}
	for _, r := range "`’“”–—…·¢" {
		if seen[r] {
			t.Errorf("%q is not GSM-7", r)
		}
	}
}
