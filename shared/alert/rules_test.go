package alert

import (
	"errors"
	"testing"
	"time"

	"github.com/wallet-accounts/wallet/shared/account"
)

// TestThreshold: below sends nothing, equal and above send; another currency is not compared
// (no conversion table): it sends nothing, whatever the amount.
func TestThreshold(t *testing.T) {
	cny := &account.Money{Amount: "1000.00", Currency: "CNY"}
	for _, tc := range []struct {
		threshold        *account.Money
		amount, currency string
		large, same      bool
	}{
		{cny, "999.99", "CNY", false, true},
		{cny, "1000", "CNY", true, true},
		{cny, "1000.00", "CNY", true, true},
		{cny, "1000.0001", "CNY", true, true},
		{cny, "250000", "CNY", true, true},
		{cny, "-5000", "CNY", false, true},
		{cny, "5000.00", "USD", false, false},
		{nil, "5000000", "CNY", false, true},
	} {
		large, same := Large(tc.threshold, tc.amount, tc.currency)
		if large != tc.large || same != tc.same {
			t.Errorf("%v vs %s %s: large %v same %v", tc.threshold, tc.amount, tc.currency, large, same)
		}
	}
}

func TestAmounts(t *testing.T) {
	for _, ok := range []string{"0", "1", "1000.5", "999999999999999.9999", "-12.30"} {
		if _, good := parseAmount(ok); !good {
			t.Errorf("%q refused", ok)
		}
	}
	for _, bad := range []string{"", ".5", "5.", "1e3", "1,000", "+5", "1000000000000000", "1.23456", "NaN", "0x10", " 5", "--5"} {
		if _, good := parseAmount(bad); good {
			t.Errorf("%q accepted", bad)
		}
	}
	for in, want := range map[string]string{"12000.5": "12,000.5", "999": "999", "1000": "1,000", "-1234567.00": "-1,234,567.00", "x": "x"} {
		if got := FormatAmount(in); got != want {
			t.Errorf("FormatAmount(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestParseTransaction(t *testing.T) {
	tx, err := ParseTransaction([]byte(`{"eventId":"txn-1","accountId":"01KACCOUNT","amount":12000.50,"currency":"CNY",
		"merchant":"  Harbour\tElectronics\n","occurredAt":"2026-11-21T10:00:00Z","channel":"card"}`))
	if err != nil {
		t.Fatal(err)
	}
	want := Transaction{EventID: "txn-1", AccountID: "01KACCOUNT", Amount: "12000.50", Currency: "CNY",
		Merchant: "Harbour Electronics", OccurredAt: time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC)}
	if tx != want {
		t.Fatalf("got %+v\nwant %+v", tx, want)
	}
	long, _ := ParseTransaction([]byte(`{"eventId":"e","accountId":"a","amount":"1","currency":"CNY","merchant":"` +
		"ABCDEFGHIJKLMNOPQRSTUVWXYZABCDEFGHIJKLMNOPQRSTUVWXYZ" + `","occurredAt":"2026-11-21T10:00:00Z"}`))
	if r := []rune(long.Merchant); len(r) != maxMerchant || r[len(r)-1] != '…' {
		t.Errorf("a long merchant name is cut: %q", long.Merchant)
	}
	base := `"eventId":"e1","accountId":"a1","amount":"10","currency":"CNY","merchant":"m","occurredAt":"2026-11-21T10:00:00Z"`
	for _, bad := range []string{
		`not json`, `[]`, `{}`,
		`{` + base[len(`"eventId":"e1",`):] + `}`,
		`{"eventId":"e 1",` + base[len(`"eventId":"e1",`):] + `}`,
		`{"eventId":"e1","accountId":"a1","amount":"ten","currency":"CNY","merchant":"m","occurredAt":"2026-11-21T10:00:00Z"}`,
		`{"eventId":"e1","accountId":"a1","amount":true,"currency":"CNY","merchant":"m","occurredAt":"2026-11-21T10:00:00Z"}`,
		`{"eventId":"e1","accountId":"a1","amount":"10","currency":"cny","merchant":"m","occurredAt":"2026-11-21T10:00:00Z"}`,
		`{"eventId":"e1","accountId":"a1","amount":"10","currency":"CNY","merchant":" ","occurredAt":"2026-11-21T10:00:00Z"}`,
		`{"eventId":"e1","accountId":"a1","amount":"10","currency":"CNY","merchant":"m","occurredAt":"yesterday"}`,
	} {
		if _, err := ParseTransaction([]byte(bad)); !errors.Is(err, ErrMalformed) {
			t.Errorf("%s: %v", bad, err)
		}
	}
}

func TestCheckSettings(t *testing.T) {
	on, off := true, false
	night := func(start, end, zone string) *NighttimeInput {
		return &NighttimeInput{Enabled: &on, Start: start, End: end, TimeZone: zone}
	}
	set, err := CheckSettings(SettingsInput{LargeTransaction: &MoneyView{Amount: "5000.00", Currency: "CNY"},
		Nighttime: night("23:00", "07:00", "America/New_York")})
	if err != nil || set.LargeTransaction.Amount != "5000.00" || !set.Nighttime.Enabled || set.Nighttime.TimeZone != "America/New_York" {
		t.Fatalf("%+v %v", set, err)
	}
	if set, err := CheckSettings(SettingsInput{Nighttime: &NighttimeInput{Enabled: &off, Start: "22:00", End: "06:00", TimeZone: "UTC"}}); err != nil || set.LargeTransaction != nil {
		t.Fatalf("threshold off: %+v %v", set, err)
	}
	for _, tc := range []struct {
		in          SettingsInput
		code, field string
	}{
		{SettingsInput{}, "missing_field", "nighttime"},
		{SettingsInput{Nighttime: &NighttimeInput{Start: "23:00", End: "07:00", TimeZone: "UTC"}}, "missing_field", "nighttime.enabled"},
		{SettingsInput{Nighttime: night("", "07:00", "UTC")}, "missing_field", "nighttime.start"},
		{SettingsInput{Nighttime: night("24:00", "07:00", "UTC")}, "invalid_time", "nighttime.start"},
		{SettingsInput{Nighttime: night("23:00", "7:00", "UTC")}, "invalid_time", "nighttime.end"},
		{SettingsInput{Nighttime: night("23:00", "23:00", "UTC")}, "invalid_time", "nighttime.end"},
		{SettingsInput{Nighttime: night("23:00", "07:00", "Mars/Olympus")}, "invalid_time_zone", "nighttime.timezone"},
		{SettingsInput{Nighttime: night("23:00", "07:00", "Local")}, "invalid_time_zone", "nighttime.timezone"},
		{SettingsInput{Nighttime: night("23:00", "07:00", "../../etc/passwd")}, "invalid_time_zone", "nighttime.timezone"},
		{SettingsInput{Nighttime: night("23:00", "07:00", "+08:00")}, "invalid_time_zone", "nighttime.timezone"},
		{SettingsInput{Nighttime: night("23:00", "07:00", "UTC"), LargeTransaction: &MoneyView{Amount: "0", Currency: "CNY"}}, "invalid_amount", "largeTransaction.amount"},
		{SettingsInput{Nighttime: night("23:00", "07:00", "UTC"), LargeTransaction: &MoneyView{Amount: "-5", Currency: "CNY"}}, "invalid_amount", "largeTransaction.amount"},
		{SettingsInput{Nighttime: night("23:00", "07:00", "UTC"), LargeTransaction: &MoneyView{Amount: "5,000", Currency: "CNY"}}, "invalid_amount", "largeTransaction.amount"},
		{SettingsInput{Nighttime: night("23:00", "07:00", "UTC"), LargeTransaction: &MoneyView{Amount: "5000", Currency: "yuan"}}, "invalid_currency", "largeTransaction.currency"},
	} {
		_, err := CheckSettings(tc.in)
		e, ok := account.As(err)
		if !ok || string(e.Code) != tc.code || e.Field != tc.field {
			t.Errorf("%+v: %v, want %s on %s", tc.in.Nighttime, err, tc.code, tc.field)
		}
	}
}

// TestCurrenciesAreISO4217: a threshold's currency is a code the standard has, written as it
// writes it.
func TestCurrenciesAreISO4217(t *testing.T) {
	for c, want := range map[string]bool{"CNY": true, "USD": true, "HKD": true, "XYZ": false, "cny": false,
		"CN": false, "CNYY": false, "": false, "ABC": false} {
		if got := validCurrency(c); got != want {
			t.Errorf("validCurrency(%q) = %v, want %v", c, got, want)
		}
	}
}

// TestATransactionInANewerCurrencyIsKept: the payments system may report a currency newer than
// golang.org/x/text's table (VES); such a transaction is still read, not dropped as malformed.
func TestATransactionInANewerCurrencyIsKept(t *testing.T) {
	tx, err := ParseTransaction([]byte(`{"eventId":"e1","accountId":"a1","amount":"10","currency":"VES","merchant":"m","occurredAt":"2026-11-21T10:00:00Z"}`))
	if err != nil || tx.Currency != "VES" {
		t.Fatalf("%+v %v", tx, err)
	}
	if validCurrency("VES") {
		t.Log("x/text now knows VES; currencyShaped may be retired for transactions")
	}
}
