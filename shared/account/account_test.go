package account

import (
	"testing"
	"time"
)

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

func TestRequireFresh(t *testing.T) {
	now := time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		fresh time.Time
		ok    bool
	}{
		{now, true}, {now.Add(-5 * time.Minute), true}, {now.Add(-5*time.Minute - time.Second), false}, {time.Time{}, false},
	} {
		err := Principal{FreshAt: c.fresh}.RequireFresh(now, 5*time.Minute)
		if (err == nil) != c.ok || err != nil && !Is(err, CodeReauthRequired) {
			t.Errorf("fresh at %v: %v", c.fresh, err)
		}
	}
}
