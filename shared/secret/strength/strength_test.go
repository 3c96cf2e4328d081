package strength

import (
	"strings"
	"testing"
	"time"

	zxcvbn "github.com/ccojocar/zxcvbn-go"

	"github.com/wallet-accounts/wallet/shared/account"
	"github.com/wallet-accounts/wallet/shared/secret"
)

var person = secret.Personal{Phone: "+8613800138000", Name: "Zhang Wei", Email: "zhang.wei@example.com", Birthday: "1990-04-15"}

// symbolHeavy is the slowest input found for the l33t matcher: 64 symbols that each stand for
// one or two letters.
const symbolHeavy = "288%[2679%+4!|557445$5!@!$9741<+%+7[2%+%{%@!1{8(<297(|<+(0@5{80<"

func TestCheckLoginPassword(t *testing.T) {
	tests := []struct {
		name string
		pw   string
		want account.Code // "" when accepted
	}{
		{"strong", "Vq7#mL2p!xR9", ""},
		{"passphrase", "correct horse battery staple", ""},
		{"passphrase with dashes", "tangerine-octopus-lantern-92", ""},
		{"long passphrase", "the gentle rhino paints quietly under seven copper moons", ""},
		{"8 Chinese characters", "月光洒在旧书桌上", ""},
		{"64 code points", "Rivers bend where granite sleeps; 7 herons count the slow tides!", ""},
		{"64 Chinese characters", strings.Repeat("春眠不觉晓处处闻啼鸟夜来风雨声花落知多少", 4)[:64*3], ""},
		{"symbol heavy 64", symbolHeavy, ""},
		{"7 characters", "Vq7#mL2", account.CodePasswordTooShort},
		{"7 Chinese characters", "月光洒在旧书桌", account.CodePasswordTooShort},
		{"empty", "", account.CodePasswordTooShort},
		{"65 characters", strings.Repeat("ab3$", 16) + "Z", account.CodePasswordTooLong},
		{"65 Chinese characters", strings.Repeat("春眠不觉晓处处闻啼鸟夜来风雨声花落知多少", 4)[:64*3] + "春", account.CodePasswordTooLong},
		{"password123", "password123", account.CodePasswordTooWeak},
		{"password123!", "password123!", account.CodePasswordTooWeak},
		{"qwertyuiop", "qwertyuiop", account.CodePasswordTooWeak},
		{"iloveyou2024", "iloveyou2024", account.CodePasswordTooWeak},
		{"l33t", "P@ssw0rd1", account.CodePasswordTooWeak},
		{"repeated", "aaaaaaaaaaaa", account.CodePasswordTooWeak},
		{"keyboard", "1qaz2wsx3edc", account.CodePasswordTooWeak},
		{"long l33t", "P@ssw0rdP@ssw0rdP@ssw0rd!", account.CodePasswordTooWeak},
		{"long repeat", strings.Repeat("password", 8), account.CodePasswordTooWeak},
		{"repeated block", strings.Repeat("ab3$", 16), account.CodePasswordTooWeak},
		{"repeated block, partial tail", strings.Repeat("Zq9!", 3) + "Zq", account.CodePasswordTooWeak},
		{"phone", "kite13800138000", account.CodePasswordPersonalData},
		{"phone last 8", "Vq7#00138000", account.CodePasswordPersonalData},
		{"name", "ZhangWei#2024xq", account.CodePasswordPersonalData},
		{"birthday", "Vq7#19900415", account.CodePasswordPersonalData},
		{"birthday short", "kite!900415Q", account.CodePasswordPersonalData},
		{"birthday US", "04151990kite!", account.CodePasswordPersonalData},
		{"email", "zhang.wei!!Qx", account.CodePasswordPersonalData},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := CheckLoginPassword(tt.pw, person)
			if tt.want == "" {
				if err != nil {
					t.Fatalf("CheckLoginPassword(%q) = %v", tt.pw, err)
				}
				return
			}
			e, ok := account.As(err)
			if !ok || e.Code != tt.want || e.Field != "loginPassword" {
				t.Fatalf("CheckLoginPassword(%q) = %v; want %s", tt.pw, err, tt.want)
			}
			if tt.pw != "" && strings.Contains(e.Message, tt.pw) {
				t.Fatalf("the message echoes the password: %q", e.Message)
			}
		})
	}
}

// TestPersonalInputsPenalised: the personal data are words zxcvbn knows, so a password built from
// the short name word and the birth year, which escapes the containment rule, is weak.
func TestPersonalInputsPenalised(t *testing.T) {
	const pw = "weiwei19901990"
	if secret.ContainsPersonal(pw, person) {
		t.Fatal("the example must escape the containment rule")
	}
	if got := score(pw, nil); got < MinScore {
		t.Fatalf("without the inputs zxcvbn scores %d; the example needs >= %d", got, MinScore)
	}
	if e, ok := account.As(CheckLoginPassword(pw, person)); !ok || e.Code != account.CodePasswordTooWeak {
		t.Fatal("with the personal inputs it must be too weak")
	}
	if err := CheckLoginPassword(pw, secret.Personal{}); err != nil {
		t.Fatalf("without personal data it passes: %v", err)
	}
}

func TestPeriod(t *testing.T) {
	tests := []struct {
		in   string
		want int
	}{
		{"", 0}, {"a", 1}, {"aa", 1}, {"abab", 2}, {"ababa", 2}, {"abcab", 5}, {"abcabc", 3},
		{"abcabca", 3}, {"aab", 3}, {"月光月光", 2}, {"Vq7#mL2p!xR9", 12},
	}
	for _, tt := range tests {
		if got := period([]rune(tt.in)); got != tt.want {
			t.Errorf("period(%q) = %d, want %d", tt.in, got, tt.want)
		}
	}
}

func TestScoreOfMatchesZxcvbn(t *testing.T) {
	for _, pw := range []string{"password", "qwerty12", "Vq7#mL2p", "correct horse", "iloveyou2024",
		"Tr0ub4dor&3", "月光洒在旧书桌上", "aaaaaaaaaaaa", "kite1990!", "x", "Vq7#mL2p!xR9"} {
		r := zxcvbn.PasswordStrength(pw, nil)
		if got := scoreOf(r.Entropy); got != r.Score {
			t.Errorf("%q: scoreOf(%.3f) = %d, zxcvbn says %d", pw, r.Entropy, got, r.Score)
		}
	}
}

func TestLongInputBounded(t *testing.T) {
	start := time.Now()
	_ = CheckLoginPassword(symbolHeavy, person)
	d := time.Since(start)
	t.Logf("CheckLoginPassword on the worst 64-character input: %v", d)
	if d > 2*time.Second {
		t.Fatalf("took %v", d)
	}
}

func BenchmarkCheckLoginPassword(b *testing.B) {
	for _, bc := range []struct{ name, pw string }{
		{"typical12", "Vq7#mL2p!xR9"},
		{"passphrase28", "correct horse battery staple"},
		{"worst24", symbolHeavy[:24]},
		{"ascii64", "Rivers bend where granite sleeps; 7 herons count the slow tides!"},
		{"worst64", symbolHeavy},
	} {
		b.Run(bc.name, func(b *testing.B) {
			for b.Loop() {
				_ = CheckLoginPassword(bc.pw, person)
			}
		})
	}
}
