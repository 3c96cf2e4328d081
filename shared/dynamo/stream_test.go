package dynamo

import (
	"maps"
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/wallet-accounts/wallet/shared/account"
)

// TestEventAttrsNameTheEventItem: the names the stream's reader uses are exactly the attributes
// an event item is written with (besides its key and its TTL, which the reader does not need).
func TestEventAttrsNameTheEventItem(t *testing.T) {
	ev := account.Event{ID: "01KEVENT", Type: account.EventNewDeviceLogin, At: time.UnixMilli(1763719200000),
		Details: map[string]string{account.DetailPlatform: "ios"}}
	item, err := attributevalue.MarshalMap(toEventItem("01KACCOUNT", ev, time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{EventAttrAccountID, EventAttrEventID, EventAttrType, EventAttrAt, EventAttrDetails, EventAttrItemType, "expiresAt"}
	if got := slices.Sorted(maps.Keys(item)); !slices.Equal(got, slices.Sorted(slices.Values(want))) {
		t.Fatalf("event item attributes %q, the stream's names %q", got, want)
	}
	for _, name := range []string{EventAttrAccountID, EventAttrEventID, EventAttrType} {
		if _, ok := item[name].(*types.AttributeValueMemberS); !ok {
			t.Errorf("%s = %#v, want a string", name, item[name])
		}
	}
	if at, ok := item[EventAttrAt].(*types.AttributeValueMemberN); !ok || at.Value != "1763719200000" {
		t.Errorf("%s = %#v, want unix milliseconds", EventAttrAt, item[EventAttrAt])
	}
	if d, ok := item[EventAttrDetails].(*types.AttributeValueMemberM); !ok || len(d.Value) != 1 {
		t.Errorf("%s = %#v, want the details' map", EventAttrDetails, item[EventAttrDetails])
	}
	if it, ok := item[EventAttrItemType].(*types.AttributeValueMemberS); !ok || it.Value != EventItemType {
		t.Errorf("%s = %#v, want %q", EventAttrItemType, item[EventAttrItemType], EventItemType)
	}
}
