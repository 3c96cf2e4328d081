package secret

import (
	"regexp"
	"strings"
	"testing"

	"github.com/wallet-accounts/wallet/shared/account"
)

func TestNormalizeAnswer(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Rex", "Rex"},
		{"rex", "rex"}, // case kept
		{"  Beijing   Road \t", "Beijing Road"},
		{"Ｂｅｉｊｉｎｇ　Ｒｏａｄ", "Beijing Road"}, // full-width letters, ideographic space
		{"北京　 市", "北京 市"},
		{"No.\u00a05\n\nMiddle School", "No. 5 Middle School"}, // no-break space, newlines
		{"ﬁrst", "first"},                                      // ligature
		{"Cafe\u0301", "Café"},                                 // composed
		{" \t\u3000 ", ""},
	}
	for _, tt := range tests {
		if got := NormalizeAnswer(tt.in); got != tt.want {
			t.Errorf("NormalizeAnswer(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	if NormalizeAnswer("Rex") == NormalizeAnswer("rex") {
		t.Error("answers are case-sensitive")
	}
}

func TestCheckAnswer(t *testing.T) {
	tests := []struct {
		in, want string
		ok       bool
	}{
		{" Rex ", "Rex", true},
		{strings.Repeat("狗", 64), strings.Repeat("狗", 64), true},
		{strings.Repeat("a", 60) + "    " + "bcd", strings.Repeat("a", 60) + " bcd", true}, // 64 after collapsing
		{strings.Repeat("狗", 65), "", false},
		{"", "", false},
		{" \u3000\t", "", false},
	}
	for _, tt := range tests {
		got, err := CheckAnswer(tt.in)
		if tt.ok {
			if err != nil || got != tt.want {
				t.Errorf("CheckAnswer(%q) = %q, %v", tt.in, got, err)
			}
			continue
		}
		if e, ok := account.As(err); !ok || e.Code != account.CodeInvalidQuestions || e.Field != "securityAnswers" {
			t.Errorf("CheckAnswer(%q) = %q, %v; want invalid_security_questions", tt.in, got, err)
		}
	}
}

func TestQuestions(t *testing.T) {
	qs := Questions()
	if len(qs) < 12 {
		t.Fatalf("%d questions, want at least 12", len(qs))
	}
	id := regexp.MustCompile(`^[a-z][a-z0-9_]*$`)
	seen := map[string]bool{}
	for _, q := range qs {
		if !id.MatchString(q.ID) || seen[q.ID] || q.EN == "" || q.ZH == "" ||
			!strings.HasSuffix(q.EN, "?") || !strings.HasSuffix(q.ZH, "？") {
			t.Errorf("bad question %+v", q)
		}
		seen[q.ID] = true
	}
	qs[0].ID = "changed"
	if Questions()[0].ID != "first_school" {
		t.Fatal("Questions must return a copy")
	}
}

func TestCheckQuestions(t *testing.T) {
	tests := []struct {
		name string
		ids  []string
		ok   bool
	}{
		{"three", []string{"first_school", "first_pet", "first_car"}, true},
		{"duplicate", []string{"first_school", "first_pet", "first_school"}, false},
		{"unknown", []string{"first_school", "first_pet", "mothers_maiden_name"}, false},
		{"case", []string{"First_School", "first_pet", "first_car"}, false},
		{"two", []string{"first_school", "first_pet"}, false},
		{"four", []string{"first_school", "first_pet", "first_car", "childhood_hero"}, false},
		{"none", nil, false},
		{"empty id", []string{"first_school", "first_pet", ""}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := CheckQuestions(tt.ids)
			if tt.ok {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if e, ok := account.As(err); !ok || e.Code != account.CodeInvalidQuestions || e.Field != "securityAnswers" {
				t.Fatalf("CheckQuestions = %v; want invalid_security_questions", err)
			}
		})
	}
}

func TestAnAnswerIsApartFromTheOtherSecrets(t *testing.T) {
	p := Personal{Phone: "+8613800138000"}
	const login, pay = "violet-harbor-seventy-2", "295071"
	for _, bad := range []string{"violet-harbor-seventy-2", "Violet Harbor Seventy 2", "２９５０７１", "295071",
		"13800138000", "my number 138-0013-8000"} {
		if err := CheckAnswerApart(NormalizeAnswer(bad), p, login, pay); !account.Is(err, account.CodeInvalidQuestions) {
			t.Errorf("answer %q: %v, want invalid_security_questions", bad, err)
		}
	}
	for _, good := range []string{"Riverside Primary", "Mochi", "1380013", "violet"} {
		if err := CheckAnswerApart(NormalizeAnswer(good), p, login, pay); err != nil {
			t.Errorf("answer %q: %v", good, err)
		}
	}
}
