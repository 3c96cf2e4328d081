package phone

import (
	"bytes"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"unicode"

	"github.com/wallet-accounts/wallet/shared/account"
)

// wantRefused fails the test unless err is the invalid_phone refusal Parse promises.
func wantRefused(t *testing.T, input string, n Number, err error) {
	t.Helper()
	e, ok := account.As(err)
	if !ok {
		t.Fatalf("Parse(%q) = %+v, %v; want *account.Error", input, n.E164, err)
	}
	if e.Code != account.CodeInvalidPhone || e.Field != "phone" {
		t.Errorf("Parse(%q): code %q field %q; want %q, \"phone\"", input, e.Code, e.Field, account.CodeInvalidPhone)
	}
	if e.Message == "" || strings.ContainsFunc(e.Message, unicode.IsDigit) {
		t.Errorf("Parse(%q): message %q must be non-empty and carry no digits", input, e.Message)
	}
	if n != (Number{}) {
		t.Errorf("Parse(%q) refused but returned %#v", input, n.E164)
	}
}

func wantNumber(t *testing.T, input, region, e164 string) Number {
	t.Helper()
	n, err := Parse(input, region)
	if err != nil {
		t.Fatalf("Parse(%q, %q): %v", input, region, err)
	}
	if n.E164 != e164 {
		t.Fatalf("Parse(%q, %q).E164 = %q; want %q", input, region, n.E164, e164)
	}
	return n
}

// TestParseRegions covers the launch regions with real example numbers from libphonenumber's
// metadata (GetExampleNumberForType), hard-coded so the expectations stay explicit.
func TestParseRegions(t *testing.T) {
	tests := []struct {
		region   string
		intl     string // a mobile, international notation
		national string // the same mobile, national notation (needs region)
		e164     string
		cc       int
		nsn      string
		// trunk is intl with the country's trunk prefix typed after the country code.
		// libphonenumber strips a trunk prefix the region has; where it has none (HK, SG) or it
		// is not 0 (RU uses 8, US uses 1), a 0 stays in the number and makes it invalid.
		trunk   string
		trunkOK bool
		// landline is a FIXED_LINE example, refused. NANP numbers (US) are all
		// FIXED_LINE_OR_MOBILE, so a US landline cannot be told apart and is accepted.
		landline   string
		landlineOK bool
		short      string
	}{
		{"CN", "+86 131 2345 6789", "131 2345 6789", "+8613123456789", 86, "13123456789",
			"+86 0131 2345 6789", true, "+86 10 1234 5678", false, "+86 131 2345"},
		{"HK", "+852 5123 4567", "5123 4567", "+85251234567", 852, "51234567",
			"+852 0 5123 4567", false, "+852 2123 4567", false, "+852 5123"},
		{"SG", "+65 8123 4567", "8123 4567", "+6581234567", 65, "81234567",
			"+65 (0)8123 4567", false, "+65 6123 4567", false, "+65 8123"},
		{"JP", "+81 90-1234-5678", "090-1234-5678", "+819012345678", 81, "9012345678",
			"+81 (0)90-1234-5678", true, "+81 3-1234-5678", false, "+81 90-1234"},
		{"KR", "+82 10-2000-0000", "010-2000-0000", "+821020000000", 82, "1020000000",
			"+82 010-2000-0000", true, "+82 2-212-3456", false, "+82 10-2"},
		{"IN", "+91 81234 56789", "081234 56789", "+918123456789", 91, "8123456789",
			"+91 0 81234 56789", true, "+91 11 2345 6789", false, "+91 81234"},
		{"RU", "+7 912 345-67-89", "8 (912) 345-67-89", "+79123456789", 7, "9123456789",
			"+7 8 912 345-67-89", true, "+7 301 123-45-67", false, "+7 912 345"},
		{"DE", "+49 1512 3456789", "01512 3456789", "+4915123456789", 49, "15123456789",
			"+49 0151 23456789", true, "+49 30 123456", false, "+49 151"},
		{"GB", "+44 7400 123456", "07400 123456", "+447400123456", 44, "7400123456",
			"+44 (0)7400 123456", true, "+44 121 234 5678", false, "+44 7400 12"},
		{"FR", "+33 6 12 34 56 78", "06 12 34 56 78", "+33612345678", 33, "612345678",
			"+33 (0)6 12 34 56 78", true, "+33 1 23 45 67 89", false, "+33 6 12"},
		{"US", "+1 201-555-0123", "(201) 555-0123", "+12015550123", 1, "2015550123",
			"+1 1 201-555-0123", true, "+1 201-555-0123", true, "+1 201-555"},
		{"BR", "+55 11 96123-4567", "(11) 96123-4567", "+5511961234567", 55, "11961234567",
			"+55 0 11 96123-4567", true, "+55 11 2345-6789", false, "+55 11 96"},
	}
	for _, tt := range tests {
		t.Run(tt.region, func(t *testing.T) {
			want := Number{E164: tt.e164, Region: tt.region, CountryCode: tt.cc, National: tt.nsn}

			t.Run("international", func(t *testing.T) {
				for _, region := range []string{"", tt.region, "JP"} { // a "+" overrides the region
					if n := wantNumber(t, tt.intl, region, tt.e164); n != want {
						t.Errorf("Parse(%q, %q) = %#v; want %#v", tt.intl, region, n.E164, want.E164)
					}
				}
			})
			t.Run("national", func(t *testing.T) {
				if n := wantNumber(t, tt.national, strings.ToLower(tt.region), tt.e164); n != want {
					t.Errorf("Parse(%q, %q) = %+v; want %+v", tt.national, tt.region, n.National, want.National)
				}
				n, err := Parse(tt.national, "")
				wantRefused(t, tt.national, n, err) // national notation without a region
			})
			t.Run("trunk", func(t *testing.T) {
				if tt.trunkOK {
					wantNumber(t, tt.trunk, "", tt.e164)
					return
				}
				n, err := Parse(tt.trunk, "")
				wantRefused(t, tt.trunk, n, err)
			})
			t.Run("landline", func(t *testing.T) {
				n, err := Parse(tt.landline, "")
				if tt.landlineOK {
					if err != nil {
						t.Fatalf("Parse(%q): %v", tt.landline, err)
					}
					return
				}
				wantRefused(t, tt.landline, n, err)
				if e, _ := account.As(err); e.Message != errNotMobile.Message {
					t.Errorf("Parse(%q): message %q; want %q", tt.landline, e.Message, errNotMobile.Message)
				}
			})
			t.Run("short", func(t *testing.T) {
				n, err := Parse(tt.short, "")
				wantRefused(t, tt.short, n, err)
			})
		})
	}
}

func TestParseNotations(t *testing.T) {
	tests := []struct {
		name, input, region, e164 string
	}{
		{"compact", "+8613800138000", "", "+8613800138000"},
		{"dots", "+86.138.0013.8000", "", "+8613800138000"},
		{"parenthesised country code", "(+86) 138-0013-8000", "", "+8613800138000"},
		{"slash", "0151/23456789", "DE", "+4915123456789"},
		{"international prefix with region", "0086 138 0013 8000", "CN", "+8613800138000"},
		{"other region's international prefix", "00 86 138 0013 8000", "GB", "+8613800138000"},
		{"US international prefix", "011 44 7400 123456", "US", "+447400123456"},
		{"full-width", "＋８６ １３８ ００１３ ８０００", "", "+8613800138000"},
		{"Arabic-Indic digits", "+٨٦١٣٨٠٠١٣٨٠٠٠", "", "+8613800138000"},
		{"ideographic space and full-width dash", "１３８\u3000００１３－８０００", "CN", "+8613800138000"},
		{"no-break spaces", "+33\u00A06\u00A012\u00A034\u00A056\u00A078", "", "+33612345678"},
		{"direction marks from a contacts app", "\u202A+86 138 0013 8000\u202C", "", "+8613800138000"},
		{"lower-case region", "138 0013 8000", "cn", "+8613800138000"},
		{"unknown region with +", "+86 138 0013 8000", "XX", "+8613800138000"},
		{"NANP trunk 1", "1 (201) 555-0123", "US", "+12015550123"},
		{"Russian trunk 8", "8 912 345 67 89", "RU", "+79123456789"},
		{"Canada", "+1 506 234 5678", "", "+15062345678"},
		{"Guernsey shares +44", "+44 7781 123456", "", "+447781123456"},
		{"Kazakhstan shares +7", "+7 701 123 4567", "", "+77011234567"},
		{"32 characters", "+86 (138) 0013 - 8000" + strings.Repeat(" ", 11), "", "+8613800138000"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantNumber(t, tt.input, tt.region, tt.e164)
		})
	}
	if n := wantNumber(t, "+44 7781 123456", "", "+447781123456"); n.Region != "GG" {
		t.Errorf("Region = %q; want GG", n.Region)
	}
}

func TestParseRefusals(t *testing.T) {
	tests := []struct {
		name, input, region string
		want                *account.Error // nil: any invalid_phone refusal
	}{
		{"empty", "", "", errRequired},
		{"blank", "  ", "CN", errRequired},
		{"punctuation only", "+() -", "", errRequired},
		{"33 characters", "+86 (138) 0013 - 8000" + strings.Repeat(" ", 12), "", errTooLong},
		{"very long", strings.Repeat("1", 10000), "", errTooLong},
		{"very long multibyte", strings.Repeat("１", 1000), "", errTooLong},
		{"letters", "+1 800 FLOWERS", "", errCharacters},
		{"tel URI", "tel:+8613800138000", "", errCharacters},
		{"extension", "+86 138 0013 8000 x12", "", errCharacters},
		{"extension with #", "+86 138 0013 8000#12", "", errCharacters},
		{"invalid UTF-8", "+86 138\xff0013 8000", "", errCharacters},
		{"tab", "+86\t13800138000", "", errCharacters},
		{"national without region", "138 0013 8000", "", errCountry},
		{"international prefix without region", "0086 138 0013 8000", "", errCountry},
		{"national with unknown region", "138 0013 8000", "XX", errCountry},
		{"unknown country code", "+999 1234 5678", "", errCountry},
		{"plus only", "+", "", errRequired},
		{"country code only", "+86", "", nil},
		{"too short", "+86 138", "", errTooShort},
		{"too long", "+86 138 0013 8000 0000", "", nil},
		{"invalid range", "+86 100 0013 8000", "", errInvalid},
		{"wrong region for national notation", "07400 123456", "CN", nil},
		{"satellite +881", "+881 6 1234 5678", "", errNoRegion},
		{"international network +882", "+882 3421 234", "", errNoRegion},
		{"GB VoIP", "+44 56 1234 5678", "", errNotMobile},
		{"FR VoIP", "+33 9 12 34 56 78", "", errNotMobile},
		{"DE premium rate", "+49 900 1234567", "", errNotMobile},
		{"GB premium rate", "+44 90 1234 5678", "", errNotMobile},
		{"CN toll-free", "+86 800 123 4567", "", errNotMobile},
		{"US toll-free", "+1 800 234 5678", "", errNotMobile},
		{"GB personal number", "+44 70 1234 5678", "", errNotMobile},
		{"IT landline keeps its 0", "+39 06 1234 5678", "", errNotMobile},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n, err := Parse(tt.input, tt.region)
			wantRefused(t, tt.input, n, err)
			if e, ok := account.As(err); ok && tt.want != nil && e.Message != tt.want.Message {
				t.Errorf("Parse(%q, %q): message %q; want %q", tt.input, tt.region, e.Message, tt.want.Message)
			}
		})
	}
}

func TestRefusalIsACopy(t *testing.T) {
	_, err := Parse("", "")
	e, _ := account.As(err)
	e.Message = "changed"
	_, err = Parse("", "")
	if e, _ := account.As(err); e.Message != errRequired.Message {
		t.Errorf("a caller's change leaked into the next refusal: %q", e.Message)
	}
}

func TestMask(t *testing.T) {
	tests := []struct {
		n    Number
		want string
	}{
		{Number{E164: "+8613800138000", CountryCode: 86, National: "13800138000"}, "+86 138****8000"},
		{Number{E164: "+447400123456", CountryCode: 44, National: "7400123456"}, "+44 740***3456"},
		{Number{E164: "+33612345678", CountryCode: 33, National: "612345678"}, "+33 61***5678"},
		{Number{E164: "+85251234567", CountryCode: 852, National: "51234567"}, "+852 5***4567"},
		{Number{E164: "+6831234567", CountryCode: 683, National: "1234567"}, "+683 ***4567"},
		{Number{CountryCode: 290, National: "123456"}, "+290 ***456"},
		{Number{CountryCode: 290, National: "12345"}, "+290 ***45"},
		{Number{CountryCode: 683, National: "1234"}, "+683 ***4"},
		{Number{CountryCode: 1, National: "123"}, "+1 ***"},
		{Number{CountryCode: 1, National: "1"}, "+1 *"},
		{Number{}, ""},
	}
	for _, tt := range tests {
		got := tt.n.Mask()
		if got != tt.want {
			t.Errorf("Mask(%s) = %q; want %q", tt.n.National, got, tt.want)
		}
		if l := len(tt.n.National); l > 0 {
			if hidden := strings.Count(got, "*"); hidden < min(3, l) {
				t.Errorf("Mask(%s) = %q hides %d digits; want at least %d", tt.n.National, got, hidden, min(3, l))
			}
		}
	}
}

// TestNoLeak checks that the usual ways of logging a Number print only the masked form.
func TestNoLeak(t *testing.T) {
	n := wantNumber(t, "+86 138 0013 8000", "", "+8613800138000")
	var logs bytes.Buffer
	slog.New(slog.NewJSONHandler(&logs, nil)).Info("x", "phone", n)
	slog.New(slog.NewTextHandler(&logs, nil)).Info("x", "phone", n)
	outputs := []string{
		n.String(), fmt.Sprint(n), fmt.Sprintf("%v %+v %#v %s %q", n, n, n, n, n),
		fmt.Sprintf("%v", []Number{n}), fmt.Sprintf("%+v", struct{ P Number }{n}), logs.String(),
	}
	for _, out := range outputs {
		if strings.Contains(out, "0013") || !strings.Contains(out, "138****8000") {
			t.Errorf("output %q leaks the number or misses its masked form", out)
		}
	}
}

func TestPrefix(t *testing.T) {
	tests := []struct{ input, want string }{
		{"+86 138 0013 8000", "+861380013"},
		{"+852 5123 4567", "+8525123"},
		{"+1 201 555 0123", "+1201555"},
	}
	for _, tt := range tests {
		n := wantNumber(t, tt.input, "", strings.NewReplacer(" ", "").Replace(tt.input))
		if got := n.Prefix(); got != tt.want {
			t.Errorf("Prefix(%s) = %q; want %q", n, got, tt.want)
		}
	}
	if got := (Number{}).Prefix(); got != "" {
		t.Errorf("zero Number Prefix = %q; want \"\"", got)
	}
}

func TestIn(t *testing.T) {
	cn := Number{E164: "+8613800138000", Region: "CN", CountryCode: 86, National: "13800138000"}
	tests := []struct {
		n       Number
		regions []string
		want    bool
	}{
		{cn, []string{"CN", "HK"}, true},
		{cn, []string{"hk", "cn"}, true},
		{cn, []string{"HK", "SG"}, false},
		{cn, nil, false},
		{cn, []string{""}, false},
		{Number{}, []string{""}, false},
		{Number{}, []string{"CN"}, false},
	}
	for _, tt := range tests {
		if got := tt.n.In(tt.regions); got != tt.want {
			t.Errorf("%q.In(%q) = %v; want %v", tt.n.Region, tt.regions, got, tt.want)
		}
	}
}
