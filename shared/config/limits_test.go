package config

import (
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestREADMELimitsAreTheDefaults: every number the README's Limits table gives for a setting is
// that setting's default. A limit cell names its settings in parentheses after the quantities
// they set, in order ("5 in a row lock sign-in for 30 minutes (`LOGIN_MAX_FAILURES`,
// `LOGIN_LOCK`)"), or gives the number after the setting ("`SMS_DAILY_BUDGET` (10,000)").
func TestREADMELimitsAreTheDefaults(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, table, ok := strings.Cut(string(readme), "\n## Limits\n")
	if !ok {
		t.Fatal("README has no Limits section")
	}
	table, _, _ = strings.Cut(table, "\n\n## ")
	defaults := map[string]string{}
	for _, s := range Settings() {
		defaults[s.Env] = s.Default
	}
	group := regexp.MustCompile("\\(((?:`[A-Z0-9_]+`(?:, )?)+)\\)")
	after := regexp.MustCompile("`([A-Z0-9_]+)` \\(([0-9,]+)\\)")
	quantity := regexp.MustCompile(`([0-9][0-9,]*)(?: (s|minutes|h|days)\b)?`)
	checked := 0
	check := func(env, value string) {
		checked++
		want, ok := defaults[env]
		if !ok {
			t.Errorf("README's Limits table names %s, which is no setting", env)
			return
		}
		if !sameValue(value, want) {
			t.Errorf("README's Limits table gives %s as %q; its default is %q", env, value, want)
		}
	}
	for _, line := range strings.Split(table, "\n") {
		cells := strings.Split(line, "|")
		if len(cells) < 4 {
			continue
		}
		limit := cells[2]
		for _, m := range after.FindAllStringSubmatch(limit, -1) {
			check(m[1], m[2])
		}
		limit = after.ReplaceAllString(limit, "")
		start := 0
		for _, g := range group.FindAllStringSubmatchIndex(limit, -1) {
			names := strings.Split(strings.ReplaceAll(limit[g[2]:g[3]], "`", ""), ", ")
			qs := quantity.FindAllStringSubmatch(limit[start:g[0]], -1)
			if len(qs) < len(names) {
				t.Errorf("README's Limits row %q: %d settings after %d quantities", strings.TrimSpace(limit), len(names), len(qs))
				break
			}
			qs = qs[len(qs)-len(names):]
			for i, name := range names {
				check(name, strings.TrimSpace(qs[i][1]+" "+qs[i][2]))
			}
			start = g[1]
		}
	}
	if checked < 15 {
		t.Fatalf("checked %d limits in README's table: did its form change?", checked)
	}
}

// sameValue compares a README quantity ("10,000", "30 minutes", "24 h") with a default ("10000",
// "30m", "24h").
func sameValue(readme, def string) bool {
	n, unit, _ := strings.Cut(readme, " ")
	v, err := strconv.Atoi(strings.ReplaceAll(n, ",", ""))
	if err != nil {
		return false
	}
	if unit == "" {
		return strconv.Itoa(v) == def
	}
	d, err := time.ParseDuration(def)
	if err != nil {
		return false
	}
	per := map[string]time.Duration{"s": time.Second, "minutes": time.Minute, "h": time.Hour, "days": 24 * time.Hour}[unit]
	return time.Duration(v)*per == d
}
