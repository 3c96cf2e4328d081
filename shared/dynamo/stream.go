package dynamo

// The attributes of a security event item (ACCOUNT#<id> / EVENT#<ulid>, written by toEventItem in
// the change's transaction: the outbox) by which the table's stream hands it to AlertFunction.
// Its handler reads the new image by these names, so they live beside the item that writes them;
// stream_test.go checks that they are the item's attribute names.
const (
	EventAttrAccountID = "accountId"
	EventAttrEventID   = "eventId"
	EventAttrType      = "type"     // account.Event*
	EventAttrAt        = "at"       // a number: unix milliseconds
	EventAttrDetails   = "details"  // a map of strings (account.Detail*); absent when there are none
	EventAttrItemType  = "itemType" // EventItemType: what the stream's filter in template.yaml matches
)

// EventItemType is the itemType of an event item; no other item has it.
const EventItemType = "event"
