package main

import (
	"slices"
	"testing"
	"time"
)

func TestBaselines(t *testing.T) {
	const (
		ddb   = "github.com/aws/aws-sdk-go-v2/service/dynamodb"
		sns   = "github.com/aws/aws-sdk-go-v2/service/sns"
		phone = "github.com/nyaruka/phonenumbers"
		zx    = "github.com/ccojocar/zxcvbn-go"
	)
	for _, c := range []struct {
		deps             []string
		bare, libs       string
		bareTags, lTags  []string
		unmatchedService []string
	}{
		{[]string{ddb, sns, phone}, "bare+sns", "bare+sns+phonenumbers",
			[]string{"bench_sns"}, []string{"bench_sns", "bench_phonenumbers"}, nil},
		{[]string{ddb, zx}, "bare", "bare+zxcvbn", nil, []string{"bench_zxcvbn"}, nil},
		{[]string{ddb, sns, phone, "github.com/go-webauthn/webauthn/webauthn"}, "bare+sns", "bare+sns+phonenumbers+webauthn",
			[]string{"bench_sns"}, []string{"bench_sns", "bench_phonenumbers", "bench_webauthn"}, nil},
		{[]string{ddb, sns, "github.com/aws/aws-sdk-go-v2/service/sesv2", phone}, "bare+sns+sesv2", "bare+sns+sesv2+phonenumbers",
			[]string{"bench_sns", "bench_sesv2"}, []string{"bench_sns", "bench_sesv2", "bench_phonenumbers"}, nil},
		{[]string{ddb}, "bare", "bare", nil, nil, nil},
		{[]string{ddb, "github.com/aws/aws-sdk-go-v2/service/sqs", "github.com/aws/aws-sdk-go-v2/service/sqs/types"},
			"bare", "bare", nil, nil, []string{"sqs"}},
	} {
		bare, libs := baselines(c.deps)
		if bare.Name != c.bare || libs.Name != c.libs || !slices.Equal(bare.Tags, c.bareTags) || !slices.Equal(libs.Tags, c.lTags) {
			t.Errorf("baselines(%v) = %+v, %+v", c.deps, bare, libs)
		}
		if bare.Pkg != barePackage || libs.Pkg != barePackage {
			t.Errorf("baselines build %s and %s", bare.Pkg, libs.Pkg)
		}
		if got := unmatchedServices(c.deps); !slices.Equal(got, c.unmatchedService) {
			t.Errorf("unmatchedServices(%v) = %v", c.deps, got)
		}
	}
}

func TestParseRequestLine(t *testing.T) {
	line := `[OtpFunction#2] {"time":"t","level":"INFO","msg":"request","route":"POST /v1/otp","status":202,` +
		`"duration_ms":5.1,"calls":{"dynamodb":2,"sns":1},"request_id":"abc"}`
	r, ok := parseRequestLine([]byte(line))
	if !ok || r.RequestID != "abc" || r.Calls["dynamodb"] != 2 || r.Calls["sns"] != 1 || r.Status != 202 {
		t.Errorf("parseRequestLine = %+v %v", r, ok)
	}
	for _, other := range []string{
		`[OtpFunction] {"msg":"code requested","request_id":"abc"}`,
		`[OtpFunction] START RequestId: abc Version: $LATEST`,
		`[OtpFunction] {"msg":"request"`,
		`[SignupFunction] {"msg":"request","route":"GET /v1/security-questions","status":200}`,
	} {
		if _, ok := parseRequestLine([]byte(other)); ok {
			t.Errorf("%s taken for a request line", other)
		}
	}
	// A request that called nothing logs no calls: zero of each.
	r, ok = parseRequestLine([]byte(`[X] {"msg":"request","status":200,"request_id":"q"}`))
	if !ok || r.Calls["dynamodb"] != 0 {
		t.Errorf("no calls: %+v %v", r, ok)
	}
}

func TestWrongCode(t *testing.T) {
	for code, want := range map[string]string{"482910": "482911", "000009": "000000"} {
		if got := wrongCode(code); got != want {
			t.Errorf("wrongCode(%s) = %s", code, got)
		}
	}
}

func TestSpreadText(t *testing.T) {
	if got := spreadText(spread([]int{2, 2})); got != "2" {
		t.Errorf("spreadText = %q", got)
	}
	if got := spreadText(spread([]int{2, 4, 2})); got != "2-4 (2:2 4:1)" {
		t.Errorf("spreadText = %q", got)
	}
}

func TestPairedRatio(t *testing.T) {
	ms := func(v ...int) []coldSample {
		out := make([]coldSample, len(v))
		for i, x := range v {
			out[i].Init = time.Duration(x) * time.Millisecond
		}
		return out
	}
	// Round 2 ran while the machine was busy: both starts were slow, the pair's ratio is not.
	if got := pairedRatio(ms(12, 60, 11), ms(10, 50, 10)); got != 1.2 {
		t.Errorf("pairedRatio = %v, want 1.2", got)
	}
	if got := pairedRatio(ms(10, 30), ms(10, 10)); got != 1 {
		t.Errorf("pairedRatio of an even count takes the lower middle (nearest rank): %v", got)
	}
	if pairedRatio(nil, nil) != 0 {
		t.Error("no samples, no ratio")
	}
}
