package capacity

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func str(s string) Value { return Value{S: &s} }
func num(n string) Value { return Value{N: &n} }

// TestItemSize: the rules of "DynamoDB item sizes and formats", computed by hand.
func TestItemSize(t *testing.T) {
	yes := true
	for _, c := range []struct {
		name string
		item Item
		want int
	}{
		// name 2 + value 9
		{"string", Item{"PK": str("ACCOUNT#1")}, 11},
		// UTF-8 bytes, not characters: 手机 is 6 bytes
		{"UTF-8", Item{"名": str("手机")}, 3 + 6},
		// 12345 are the significant digits of 0123.4500: 3 bytes for 5 digits, + 1
		{"number", Item{"n": num("0123.4500")}, 1 + 3 + 1},
		{"number one digit", Item{"n": num("100")}, 1 + 1 + 1},
		{"binary, raw bytes", Item{"b": {B: []byte{1, 2, 3}}}, 1 + 3},
		{"bool and null", Item{"ok": {BOOL: &yes}, "x": {NULL: &yes}}, 2 + 1 + 1 + 1},
		// a map: 3 + per element 1 + key + value
		{"map", Item{"m": {M: map[string]Value{"a": str("xy")}}}, 1 + 3 + 1 + 1 + 2},
		{"empty list", Item{"l": {L: []Value{}}}, 1 + 3},
		{"list", Item{"l": {L: []Value{str("abc"), num("7")}}}, 1 + 3 + (1 + 3) + (1 + 2)},
		{"string set", Item{"ss": {SS: []string{"a", "bc"}}}, 2 + 3},
	} {
		if got := c.item.Size(); got != c.want {
			t.Errorf("%s: Size = %d, want %d", c.name, got, c.want)
		}
	}
}

// TestUnits: the examples of "DynamoDB read and write operations".
func TestUnits(t *testing.T) {
	const kb = 1024
	for _, c := range []struct {
		name      string
		got, want float64
	}{
		{"3,500-byte item, strongly consistent: one 4 KB", ReadUnits(Strong, 3500), 1},
		{"10 KB item rounds to 12 KB", ReadUnits(Strong, 10*kb), 3},
		{"8 KB eventually consistent", ReadUnits(Eventual, 8*kb), 1},
		{"8 KB transactional", ReadUnits(Transactional, 8*kb), 4},
		{"BatchGetItem of 1.5 KB and 6.5 KB: 4 KB + 8 KB", ReadUnits(Strong, 1536, 6656), 3},
		{"a missing item costs a read", ReadUnits(Eventual, 0), 0.5},
		{"Query sums before rounding: 1.5 KB + 6.5 KB = 8 KB", QueryUnits(Strong, 1536, 6656), 2},
		{"Query finding nothing", QueryUnits(Strong), 1},
		{"write of 1,062 bytes: 2 units", WriteUnits(0, 1062, false), 2},
		{"write of 1,023 bytes over 1,062: the larger", WriteUnits(1062, 1023, false), 2},
		{"write of exactly 1 KB", WriteUnits(0, kb, false), 1},
		{"delete of a missing item", WriteUnits(0, 0, false), 1},
		{"transactional write of 1.5 KB", WriteUnits(0, 1536, true), 4},
		{"index: new entry", IndexWriteUnits(0, 80, false, true), 1},
		{"index: key changed, delete and put", IndexWriteUnits(80, 80, true, true), 2},
		{"index: nothing it holds changed", IndexWriteUnits(80, 80, false, false), 0},
		{"index: entry of 925 bytes + 100 overhead", IndexWriteUnits(0, 925, false, true), 2},
	} {
		if c.got != c.want {
			t.Errorf("%s: %v, want %v", c.name, c.got, c.want)
		}
	}
}

// fakeStore is a table in memory: PK/SK keys, GSI1 (KEYS_ONLY) on GSI1PK/GSI1SK.
type fakeStore struct{ items map[string]Item }

func (f *fakeStore) Schema(context.Context, string) (Schema, error) {
	return Schema{Keys: []string{"PK", "SK"}, Indexes: []Index{{Name: "GSI1", Keys: []string{"GSI1PK", "GSI1SK"}, Projection: "KEYS_ONLY"}}}, nil
}

func (f *fakeStore) Get(_ context.Context, _ string, key Item) (Item, error) {
	return f.items[*key["PK"].S+"/"+*key["SK"].S], nil
}

func pad(n int) string { return strings.Repeat("x", n) }

// TestMeterTransaction sends an OTP-send-like transaction through the meter, with a fake
// DynamoDB that applies the update: every item is charged twice its size in KB (the larger of
// before and after), the condition check too, the index entry once.
func TestMeterTransaction(t *testing.T) {
	store := &fakeStore{items: map[string]Item{
		"RATE#x/H1":     {"PK": str("RATE#x"), "SK": str("H1"), "n": num("3"), "pad": str(pad(470))},
		"PHONE#1/PHONE": {"PK": str("PHONE#1"), "SK": str("PHONE"), "pad": str(pad(100))},
	}}
	put := Item{"PK": str("ACCOUNT#a"), "SK": str("ACCOUNT"), "GSI1PK": str("G"), "GSI1SK": str("1"), "pad": str(pad(1040))}
	body, _ := json.Marshal(map[string]any{"TransactItems": []map[string]any{
		{"Put": map[string]any{"TableName": "T", "Item": put}},
		{"Update": map[string]any{"TableName": "T", "Key": Item{"PK": str("RATE#x"), "SK": str("H1")}}},
		{"ConditionCheck": map[string]any{"TableName": "T", "Key": Item{"PK": str("PHONE#1"), "SK": str("PHONE")}}},
	}})
	dynamo := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		it := store.items["RATE#x/H1"]
		it["pad"] = str(pad(1100)) // the update grows the counter past 1 KB
		_, _ = io.WriteString(w, "{}")
	})
	var out bytes.Buffer
	m := New(&out, store, func() bool { return true })
	u := send(t, m, dynamo, "TransactWriteItems", body, &out)
	// put: 1,040+ bytes -> 2 KB x 2 = 4; update: 1,100+ after -> 4; check: 100+ bytes -> 2
	if u.WRU != 10 || u.IndexWRU != 1 || u.RRU != 0 || u.Failed || u.Error != "" {
		t.Errorf("usage %+v, want 10 WRU, 1 index WRU", u)
	}
	if len(u.Written) != 2 || u.Written[0].Kind != "ACCOUNT#/ACCOUNT" || u.Written[0].Bytes != put.Size() ||
		u.Written[1].Kind != "RATE#/H" {
		t.Errorf("written %+v, want the account item (%d bytes) and the counter", u.Written, put.Size())
	}
	// Off: nothing metered.
	out.Reset()
	m.on = func() bool { return false }
	r := httptest.NewRequest("POST", "/", bytes.NewReader(body))
	r.Header.Set("X-Amz-Target", "DynamoDB_20120810.TransactWriteItems")
	m.Wrap("F", dynamo).ServeHTTP(httptest.NewRecorder(), r)
	if out.Len() != 0 {
		t.Errorf("metered while off: %s", out.String())
	}
}

// TestMeterReads: reads are charged on whole items, whatever was projected; a query sums.
func TestMeterReads(t *testing.T) {
	big := Item{"PK": str("ACCOUNT#a"), "SK": str("ACCOUNT"), "pad": str(pad(5000))}
	dev := Item{"PK": str("ACCOUNT#a"), "SK": str("DEVICE#1"), "pad": str(pad(3000))}
	store := &fakeStore{items: map[string]Item{"ACCOUNT#a/ACCOUNT": big, "ACCOUNT#a/DEVICE#1": dev}}
	var out bytes.Buffer
	m := New(&out, store, func() bool { return true })
	get, _ := json.Marshal(map[string]any{"RequestItems": map[string]any{"T": map[string]any{"ConsistentRead": true,
		"Keys": []Item{{"PK": str("ACCOUNT#a"), "SK": str("ACCOUNT")}, {"PK": str("PHONE#9"), "SK": str("PHONE")}}}}})
	ok := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "{}") })
	// 5,000+ bytes: 2 units; the missing item: 1
	if u := send(t, m, ok, "BatchGetItem", get, &out); u.RRU != 3 {
		t.Errorf("BatchGetItem: %+v, want 3 RRU", u)
	}
	q, _ := json.Marshal(map[string]any{"TableName": "T", "ConsistentRead": true, "ProjectionExpression": "SK"})
	keysOnly, _ := json.Marshal(map[string]any{"Items": []Item{{"PK": big["PK"], "SK": big["SK"]}, {"PK": dev["PK"], "SK": dev["SK"]}}})
	query := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write(keysOnly) })
	// 5,000+ + 3,000+ = 8,000+ bytes: 2 units, not 1 (the projection) nor 3 (per item)
	if u := send(t, m, query, "Query", q, &out); u.RRU != 2 {
		t.Errorf("Query: %+v, want 2 RRU", u)
	}
}

// send passes one request through the meter and returns its usage line.
func send(t *testing.T, m *Meter, next http.Handler, op string, body []byte, out *bytes.Buffer) Usage {
	t.Helper()
	out.Reset()
	r := httptest.NewRequest("POST", "/", bytes.NewReader(body))
	r.Header.Set("X-Amz-Target", "DynamoDB_20120810."+op)
	m.Wrap("F", next).ServeHTTP(httptest.NewRecorder(), r)
	var u Usage
	if err := json.Unmarshal(out.Bytes(), &u); err != nil {
		t.Fatalf("%s: usage line %q: %v", op, out.String(), err)
	}
	return u
}
