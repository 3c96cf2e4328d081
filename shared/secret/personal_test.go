package secret

import (
	"slices"
	"testing"
)

func TestNationalNumber(t *testing.T) {
	tests := []struct{ in, want string }{
		{"+8613800138000", "13800138000"},
		{"+14155550123", "4155550123"},
		{"+447700900123", "7700900123"},
		{"+79161234567", "9161234567"},
		{"+85291234567", "91234567"},
		{"+35312345678", "12345678"},
		{"+6591234567", "91234567"},
		{"8613800138000", ""},
		{"+86 138", ""},
		{"+86abc0013800", ""},
		{"", ""},
		{"+1234567890123456", ""},
	}
	for _, tt := range tests {
		if got := nationalNumber(tt.in); got != tt.want {
			t.Errorf("nationalNumber(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestContainsPersonal(t *testing.T) {
	tests := []struct {
		pw   string
		want bool
	}{
		{"my13800138000pw", true}, // the national number
		{"kite00138000", true},    // its last 8 digits
		{"13800138kite", true},    // its first 8
		{"138-0013-8000!", true},  // with separators
		{"x8613800138", true},     // 8 digits of the national number inside the E.164
		{"kite0013800", false},    // only 7 consecutive digits
		{"ZhangWei2024!", true},   // the name, case and space ignored
		{"zhang.wei rocks", true}, // the email local part
		{"hello zhang!!", true},   // one word of the name (4+)
		{"wei is my cat", false},  // a 3-letter word of the name alone is not refused
		{"kite19900415", true},    // YYYYMMDD
		{"kite900415!", true},     // YYMMDD
		{"04151990kite", true},    // MMDDYYYY
		{"15041990kite", true},    // DDMMYYYY
		{"kite 1990-04-15", true}, // with dashes
		{"kite041590", true},      // MMDDYY
		{"kite150490", true},      // DDMMYY
		{"kite1990!", false},      // the year alone is zxcvbn's job
		{"Vq7#mL2p!xR9", false},
	}
	for _, tt := range tests {
		if got := ContainsPersonal(tt.pw, testPerson); got != tt.want {
			t.Errorf("ContainsPersonal(%q) = %v, want %v", tt.pw, got, tt.want)
		}
	}
	short := Personal{Name: "Li", Email: "bob@example.com"}
	for _, pw := range []string{"likes bob a lot", "bobby li 2024"} {
		if ContainsPersonal(pw, short) {
			t.Errorf("short name and email parts must not be refused: %q", pw)
		}
	}
	if !ContainsPersonal("我是张伟先生啊", Personal{Name: "张伟先"}) {
		t.Error("a 3-character Chinese name must be refused")
	}
	if ContainsPersonal("anything at all", Personal{Birthday: "1990-02-30"}) {
		t.Error("an invalid birthday must be ignored")
	}
}

func TestUserInputs(t *testing.T) {
	in := testPerson.UserInputs()
	for _, want := range []string{"8613800138000", "13800138000", "013800138000", "00138000",
		"zhangwei", "zhang", "wei", "zhang.wei@example.com", "zhang.wei", "19900415", "900415", "1990"} {
		if !slices.Contains(in, want) {
			t.Errorf("UserInputs lacks %q: %q", want, in)
		}
	}
	if len(Personal{}.UserInputs()) != 0 {
		t.Error("no personal data, no inputs")
	}
}
