package main

import (
	"context"
	"fmt"
	"strconv"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/wallet-accounts/wallet/local/stack"
)

// hotKeyBudget is the most writes one item may take per 1,000 code sends. Every send charges
// one shard of the daily SMS budget (16 at the default), so the busiest shard takes about
// 1,000 / 16 = 62.5 writes per 1,000; a few hundred sends drawn at random put the busiest of 16
// a few standard deviations above that (about 90 per 1,000 at 300 sends), and 150 still says no
// item takes more than 15 % of the sends, where a service-wide counter took all 1,000.
const hotKeyBudget = 150

// HotKey is the item a step's requests wrote most often, and how often per 1,000 requests.
// Counter items (RATE#…) count their writes in n; every other item a code send writes (its
// challenge, its phone's slot) is the send's own, written once.
type HotKey struct {
	Key      string  `json:"key"` // "PK / SK"
	Writes   int     `json:"writes"`
	Requests int     `json:"requests"`
	Per1000  float64 `json:"per1000"`
	Budget   Budget  `json:"budget"`
}

// counters reads every rate counter of the stack's table with its count: the snapshot before and
// after a step whose writes per key are wanted.
func (b *bench) counters(ctx context.Context) (map[string]int, error) {
	db := stack.DynamoDB(b.stack.DynamoDB)
	out := map[string]int{}
	p := dynamodb.NewScanPaginator(db, &dynamodb.ScanInput{TableName: aws.String(b.cfg.TableName),
		FilterExpression:          aws.String("begins_with(PK, :rate)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":rate": &types.AttributeValueMemberS{Value: "RATE#"}}})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("read counters: %w", err)
		}
		for _, it := range page.Items {
			pk, _ := it["PK"].(*types.AttributeValueMemberS)
			sk, _ := it["SK"].(*types.AttributeValueMemberS)
			n, _ := it["n"].(*types.AttributeValueMemberN)
			if pk == nil || sk == nil || n == nil {
				continue
			}
			v, _ := strconv.Atoi(n.Value)
			out[pk.Value+" / "+sk.Value] = v
		}
	}
	return out, nil
}

// hottest is the counter that grew most between two snapshots, for requests requests; with no
// counter written more than once, each item took one write.
func hottest(before, after map[string]int, requests int) HotKey {
	h := HotKey{Key: "(none written twice)", Writes: min(requests, 1), Requests: requests, Budget: atMost(hotKeyBudget)}
	for k, n := range after {
		if d := n - before[k]; d > h.Writes || d == h.Writes && d > 1 && k < h.Key {
			h.Key, h.Writes = k, d
		}
	}
	if requests > 0 {
		h.Per1000 = float64(h.Writes) * 1000 / float64(requests)
	}
	return h
}

// String is the report's line.
func (h HotKey) String() string {
	return fmt.Sprintf("hottest key: %.0f writes per 1,000 sends (key %s: %d writes in %d sends), budget %s",
		h.Per1000, h.Key, h.Writes, h.Requests, h.Budget)
}
