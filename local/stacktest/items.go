package stacktest

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// PutItem writes item (marshalled with attributevalue) to table, for arranging a test.
func PutItem(t testing.TB, db *dynamodb.Client, table string, item map[string]any) {
	t.Helper()
	av, err := attributevalue.MarshalMap(item)
	if err != nil {
		t.Fatalf("put item: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := db.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(table), Item: av}); err != nil {
		t.Fatalf("put item: %v", err)
	}
}

// UpdateItem applies expr to the item PK=pk, SK=sk, for arranging a test: values are marshalled
// with attributevalue; names are pairs of "#placeholder" and attribute name.
func UpdateItem(t testing.TB, db *dynamodb.Client, table, pk, sk, expr string, values map[string]any, names ...string) {
	t.Helper()
	in := &dynamodb.UpdateItemInput{TableName: aws.String(table), UpdateExpression: aws.String(expr),
		Key: map[string]types.AttributeValue{"PK": &types.AttributeValueMemberS{Value: pk}, "SK": &types.AttributeValueMemberS{Value: sk}}}
	if len(values) > 0 {
		vals, err := attributevalue.MarshalMap(values)
		if err != nil {
			t.Fatalf("update item: %v", err)
		}
		in.ExpressionAttributeValues = vals
	}
	for i := 0; i+1 < len(names); i += 2 {
		if in.ExpressionAttributeNames == nil {
			in.ExpressionAttributeNames = map[string]string{}
		}
		in.ExpressionAttributeNames[names[i]] = names[i+1]
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := db.UpdateItem(ctx, in); err != nil {
		t.Fatalf("update item %s/%s: %v", pk, sk, err)
	}
}

// GetItem reads the item with keys PK=pk, SK=sk (strongly consistent) and returns it
// unmarshalled, or nil when there is none.
func GetItem(t testing.TB, db *dynamodb.Client, table, pk, sk string) map[string]any {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	out, err := db.GetItem(ctx, &dynamodb.GetItemInput{
		TableName:      aws.String(table),
		ConsistentRead: aws.Bool(true),
		Key: map[string]types.AttributeValue{
			"PK": &types.AttributeValueMemberS{Value: pk},
			"SK": &types.AttributeValueMemberS{Value: sk},
		},
	})
	if err != nil {
		t.Fatalf("get item %s/%s: %v", pk, sk, err)
	}
	if out.Item == nil {
		return nil
	}
	var item map[string]any
	if err := attributevalue.UnmarshalMap(out.Item, &item); err != nil {
		t.Fatalf("get item %s/%s: %v", pk, sk, err)
	}
	return item
}

// GetNumber returns the number attribute attr of the item PK=pk, SK=sk; 0 when the item or
// the attribute is absent. A non-number attribute fails the test.
func GetNumber(t testing.TB, db *dynamodb.Client, table, pk, sk, attr string) int {
	t.Helper()
	v, ok := GetItem(t, db, table, pk, sk)[attr]
	if !ok {
		return 0
	}
	f, ok := v.(float64)
	if !ok {
		t.Fatalf("%s/%s.%s is %T, not a number", pk, sk, attr, v)
	}
	return int(f)
}

// Scan returns every item of table, unmarshalled (numbers as float64). For tests only: the
// application never scans.
func Scan(t testing.TB, db *dynamodb.Client, table string) []map[string]any {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var items []map[string]any
	p := dynamodb.NewScanPaginator(db, &dynamodb.ScanInput{TableName: aws.String(table), ConsistentRead: aws.Bool(true)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			t.Fatalf("scan %s: %v", table, err)
		}
		for _, av := range page.Items {
			var item map[string]any
			if err := attributevalue.UnmarshalMap(av, &item); err != nil {
				t.Fatalf("scan %s: %v", table, err)
			}
			items = append(items, item)
		}
	}
	return items
}

// AssertNotStored fails the test if any attribute name or value of any item in table
// contains one of values (codes, tokens, passwords...). The failure names the item and
// which value (by position), never the value itself.
func AssertNotStored(t testing.TB, db *dynamodb.Client, table string, values ...string) {
	t.Helper()
	for _, item := range Scan(t, db, table) {
		text := ItemText(item)
		for i, v := range values {
			if ContainsSecret(text, v) {
				t.Errorf("item %v/%v stores secret #%d in plain text", item["PK"], item["SK"], i)
			}
		}
	}
}

// ContainsSecret reports whether secret appears in text. A secret of digits only (a payment
// password, a code, a card or ID number) counts only as a word of its own — not inside a longer
// number such as a timestamp, nor inside a hex or base64 word such as a request id, a claim id
// or a hash, where a run of six digits turns up by chance among a few hundred items; any other
// secret counts anywhere.
func ContainsSecret(text, secret string) bool {
	if secret == "" {
		return false
	}
	if strings.Trim(secret, "0123456789") != "" {
		return strings.Contains(text, secret)
	}
	for i := 0; ; {
		j := strings.Index(text[i:], secret)
		if j < 0 {
			return false
		}
		start, end := i+j, i+j+len(secret)
		if (start == 0 || !isAlnum(text[start-1])) && (end == len(text) || !isAlnum(text[end])) {
			return true
		}
		i = start + 1
	}
}

func isAlnum(b byte) bool {
	return b >= '0' && b <= '9' || b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z'
}

// ItemText renders every name and value of an item, nested ones too, binary values as their raw
// bytes too, for scanning it for secrets.
func ItemText(item map[string]any) string {
	var b strings.Builder
	var walk func(v any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			for k, e := range x {
				b.WriteString(k + "\x00")
				walk(e)
			}
		case []any:
			for _, e := range x {
				walk(e)
			}
		case []byte:
			b.Write(x)
			b.WriteByte(0)
		case string:
			b.WriteString(x + "\x00")
		case float64:
			b.WriteString(strconv.FormatFloat(x, 'f', -1, 64) + "\x00")
		default:
			j, _ := json.Marshal(x)
			b.Write(j)
			b.WriteByte(0)
			fmt.Fprint(&b, x, "\x00")
		}
	}
	walk(item)
	return b.String()
}
