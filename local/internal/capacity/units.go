package capacity

// The on-demand rules ("DynamoDB read and write operations"): a write request unit writes up to
// 1 KB, a read request unit reads up to 4 KB strongly consistently (half a unit eventually
// consistently); transactional reads and writes cost twice as much. Every request that reaches
// an item costs at least one unit's worth, even when the item does not exist.
const (
	writeUnitBytes = 1024
	readUnitBytes  = 4096
	// indexEntryOverhead is what DynamoDB adds to each global secondary index entry's size.
	indexEntryOverhead = 100
)

// Consistency is how a read is charged.
type Consistency float64

// Read consistencies, as units per 4 KB.
const (
	Eventual      Consistency = 0.5
	Strong        Consistency = 1
	Transactional Consistency = 2
)

// WriteUnits is what writing one item costs: the larger of its size before and after (0 for
// an item that is not there), rounded up to 1 KB, at least 1; twice that in a transaction.
// A delete is a write whose after is 0; a condition check in a transaction is charged as a
// write of the item it checks; a write whose condition fails is charged as if it had been made.
func WriteUnits(before, after int, transactional bool) float64 {
	u := float64(kilobytes(max(before, after, 1), writeUnitBytes))
	if transactional {
		u *= 2
	}
	return u
}

// ReadUnits is what reading items of the given sizes costs when each is charged alone
// (GetItem, BatchGetItem, TransactGetItems): each size rounded up to 4 KB, a missing item
// (size 0) as one 4 KB.
func ReadUnits(c Consistency, sizes ...int) float64 {
	n := 0
	for _, s := range sizes {
		n += kilobytes(max(s, 1), readUnitBytes)
	}
	return float64(n) * float64(c)
}

// QueryUnits is what a Query (one page) costs: the sum of the sizes of the items it read,
// rounded up once to 4 KB, at least one unit's worth even when it finds nothing.
func QueryUnits(c Consistency, sizes ...int) float64 {
	total := 0
	for _, s := range sizes {
		total += s
	}
	return float64(kilobytes(max(total, 1), readUnitBytes)) * float64(c)
}

// IndexWriteUnits is what one table write costs in a global secondary index whose entry (the
// index's and the table's key attributes and any projected attributes) is entrySize bytes
// before and after (0: the item was not in the index, being without the index's keys): a put
// of the new entry, a delete of the old one, both when its keys changed, none when neither
// the keys nor the projected attributes changed (changed reports that).
func IndexWriteUnits(entryBefore, entryAfter int, keysChanged, changed bool) float64 {
	unit := func(size int) float64 { return float64(kilobytes(size+indexEntryOverhead, writeUnitBytes)) }
	switch {
	case entryBefore == 0 && entryAfter == 0:
		return 0
	case entryBefore == 0:
		return unit(entryAfter)
	case entryAfter == 0:
		return unit(entryBefore)
	case keysChanged:
		return unit(entryBefore) + unit(entryAfter)
	case changed:
		return unit(max(entryBefore, entryAfter))
	}
	return 0
}

// kilobytes is size in units of unit bytes, rounded up.
func kilobytes(size, unit int) int { return (size + unit - 1) / unit }
