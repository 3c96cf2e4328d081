package account

import "testing"

func TestLanguage(t *testing.T) {
	for _, c := range []struct{ requested, fallback, want string }{
		{"zh-CN", "en", "zh"}, {"ZH", "en", "zh"}, {"zh-Hant-TW,en;q=0.5", "en", "zh"},
		{"en-GB", "zh", "en"}, {"fr", "zh", "en"}, {"", "zh", "zh"}, {"", "en", "en"},
	} {
		if got := Language(c.requested, c.fallback); got != c.want {
			t.Errorf("Language(%q, %q) = %q, want %q", c.requested, c.fallback, got, c.want)
		}
	}
}
