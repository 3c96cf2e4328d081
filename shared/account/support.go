package account

// Customer service: what the internal API's actions (AdminFunction, shared/support) add to the
// vocabulary. Kept in a file of its own so the flows' lists above stay as they are.

// Event types customer service writes, besides account_frozen (DetailVia ViaSupport) and
// account_closed (DetailReason ClosedSupport).
const (
	EventAccountUnfrozen        = "account_unfrozen"          // customer service unfroze the account
	EventSessionsEndedBySupport = "sessions_ended_by_support" // customer service signed every device out
	EventFlagsChanged           = "flags_changed"             // customer service set or cleared a restriction (no names: an investigation is not told)
	ViaSupport                  = "support"                   // DetailVia of account_frozen
)

// Codes of the internal API.
const (
	CodeAlreadyFrozen Code = "already_frozen" // freeze of a frozen account: nothing to do
	CodeNotFrozen     Code = "not_frozen"     // unfreeze of an account that is not frozen
	CodeCloseBlocked  Code = "close_blocked"  // close while a flag (balance, dispute, debt, investigation) blocks closure
)

// The flags customer service and other systems set on an account (the account item's blocks):
// each forbids closure, by the closure job or customer service, and deletion on request.
const (
	FlagBalance       = "balance"
	FlagDispute       = "dispute"
	FlagDebt          = "debt"
	FlagInvestigation = "investigation"
)

// Flags lists every flag, in the order the API shows them.
var Flags = []string{FlagBalance, FlagDispute, FlagDebt, FlagInvestigation}
