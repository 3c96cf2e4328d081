package faults

import (
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"

	"github.com/aws/aws-lambda-go/events"
	"github.com/wallet-accounts/wallet/local/stacktest"
	"github.com/wallet-accounts/wallet/shared/secret"
)

// cardRun is a run of 13 to 19 digits, optionally grouped by single spaces or dashes, that is a
// token of its own: not part of a longer word such as a hex hash or an id, and not an E.164
// phone number (after a +).
var cardRun = regexp.MustCompile(`(?:^|[^0-9A-Za-z_+])(\d(?:[ -]?\d){12,18})(?:$|[^0-9A-Za-z_])`)

// uuid is a UUID as Lambda writes request ids. Its dash-joined groups of hex digits are all
// digits often enough (one request id in about 700) to read as a card written in groups,
// "45399756-4534-4172" or "8288-135790246813", so UUIDs are taken out before the scan: no card
// is written 8-4-4-4-12.
var uuid = regexp.MustCompile(`(?i)[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`)

// emfTimestamp is the time of a metric line (shared/metrics), which the Embedded Metric Format
// requires in epoch milliseconds: 13 digits, Luhn-valid one time in ten. Only that member, at
// the head of the line's "_aws" object, is taken out before the scan.
var emfTimestamp = regexp.MustCompile(`"_aws":\{"Timestamp":\d{1,13},`)

// CardNumbers returns the Luhn-valid 13 to 19 digit runs in text, as a card number would be
// written: what must never be found in an item or a log line.
func CardNumbers(text string) []string {
	var out []string
	text = emfTimestamp.ReplaceAllString(uuid.ReplaceAllString(text, "uuid"), `"_aws":{"Timestamp":0,`)
	for _, m := range cardRun.FindAllStringSubmatch(text, -1) {
		digits := strings.NewReplacer(" ", "", "-", "").Replace(m[1])
		if secret.Luhn(digits) {
			out = append(out, digits)
		}
	}
	return out
}

// Epoch milliseconds from 2000 to 2100: numbers of 12 or 13 digits that are times, not cards.
const (
	minEpochMS = 946684800000
	maxEpochMS = 4102444800000
)

// CheckNoCardNumbers returns one violation per item that holds a Luhn-valid 13 to 19 digit
// number: in a string (names and values, nested ones too), or as a number that is not a time in
// epoch milliseconds.
func CheckNoCardNumbers(tb Table) []string {
	var bad []string
	for _, k := range tb.Keys() {
		if found := cardsIn(map[string]any(tb[k])); found > 0 {
			bad = append(bad, fmt.Sprintf("item %s holds %d Luhn-valid 13-19 digit number(s)", k, found))
		}
	}
	return bad
}

func cardsIn(v any) int {
	switch x := v.(type) {
	case map[string]any:
		n := 0
		for k, e := range x {
			n += len(CardNumbers(k)) + cardsIn(e)
		}
		return n
	case []any:
		n := 0
		for _, e := range x {
			n += cardsIn(e)
		}
		return n
	case string:
		return len(CardNumbers(x))
	case float64:
		if x == math.Trunc(x) && (x < minEpochMS || x > maxEpochMS) && x < 1e19 {
			if s := strconv.FormatFloat(x, 'f', 0, 64); len(s) >= 13 && secret.Luhn(s) {
				return 1
			}
		}
	}
	return 0
}

// Event builds an API Gateway request for a route key ("DELETE /v1/devices/{deviceId}") with a
// JSON body; the pairs that follow are headers, or "{name}", value for path parameters, which
// are also put into the raw path.
func Event(route, body string, pairs ...string) events.APIGatewayV2HTTPRequest {
	method, path, _ := strings.Cut(route, " ")
	req := events.APIGatewayV2HTTPRequest{RouteKey: route, RawPath: path, Body: body,
		Headers:        map[string]string{"content-type": "application/json"},
		PathParameters: map[string]string{},
		RequestContext: events.APIGatewayV2HTTPRequestContext{RequestID: "faults-request",
			HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{Method: method, Path: path, SourceIP: "198.51.100.7"}}}
	for i := 0; i+1 < len(pairs); i += 2 {
		if name, ok := strings.CutPrefix(pairs[i], "{"); ok {
			name = strings.TrimSuffix(name, "}")
			req.PathParameters[name] = pairs[i+1]
			req.RawPath = strings.Replace(req.RawPath, "{"+name+"}", pairs[i+1], 1)
			continue
		}
		req.Headers[strings.ToLower(pairs[i])] = pairs[i+1]
	}
	req.RequestContext.HTTP.Path = req.RawPath
	return req
}

// SignedEvent is Event as the internal API delivers it: signed with SigV4 by the IAM user
// userARN with accessKey, in the test account 123456789012.
func SignedEvent(userARN, accessKey, route, body string, pairs ...string) events.APIGatewayV2HTTPRequest {
	req := Event(route, body, pairs...)
	req.RequestContext.Authorizer = &events.APIGatewayV2HTTPRequestContextAuthorizerDescription{
		IAM: &events.APIGatewayV2HTTPRequestContextAuthorizerIAMDescription{UserARN: userARN, AccessKey: accessKey, AccountID: "123456789012"}}
	return req
}

// Bearer is the header pair of a session token.
func Bearer(token string) []string { return []string{"Authorization", "Bearer " + token} }

// Text renders every attribute name and value of an item, nested ones too, binary values as their
// raw bytes, for scanning it for secrets.
func Text(it Item) string { return stacktest.ItemText(it) }
