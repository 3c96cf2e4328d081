package capacity

import (
	"encoding/json"
	"reflect"
	"strings"
)

// target is one item a request writes or reads.
type target struct {
	table string
	key   Item // nil for a put, whose key is in item
	item  Item // a put's new item
	kind  string
}

// Kinds of target.
const (
	kindPut    = "put"
	kindUpdate = "update"
	kindDelete = "delete"
	kindCheck  = "check"
	kindGet    = "get"
)

// request is what one DynamoDB request touches, read from its body.
type request struct {
	op            string
	writes, reads []target
	transactional bool
	consistency   Consistency
	// A Query's (or Scan's) table and index, and whether it asked for less than whole items.
	queryTable, queryIndex string
	partial                bool
}

type keyed struct {
	TableName string
	Key       Item
	Item      Item
}

// parseRequest reads the items the operation op ("PutItem") names in body.
func parseRequest(op string, body []byte) (request, error) {
	var in struct {
		keyed
		IndexName, ProjectionExpression, Select string
		AttributesToGet                         []string
		ConsistentRead                          bool
		RequestItems                            map[string]json.RawMessage
		TransactItems                           []map[string]keyed
	}
	if err := json.Unmarshal(body, &in); err != nil {
		return request{}, err
	}
	r := request{op: op, consistency: consistency(in.ConsistentRead)}
	switch op {
	case "PutItem":
		r.writes = []target{{table: in.TableName, item: in.Item, kind: kindPut}}
	case "UpdateItem":
		r.writes = []target{{table: in.TableName, key: in.Key, kind: kindUpdate}}
	case "DeleteItem":
		r.writes = []target{{table: in.TableName, key: in.Key, kind: kindDelete}}
	case "GetItem":
		r.reads = []target{{table: in.TableName, key: in.Key, kind: kindGet}}
	case "TransactWriteItems", "TransactGetItems":
		r.transactional, r.consistency = true, Transactional
		for _, ti := range in.TransactItems {
			for kind, x := range ti {
				t := target{table: x.TableName, key: x.Key, item: x.Item, kind: transactKinds[kind]}
				if t.kind == kindGet {
					r.reads = append(r.reads, t)
				} else {
					r.writes = append(r.writes, t)
				}
			}
		}
	case "BatchWriteItem":
		return r, parseBatchWrite(&r, in.RequestItems)
	case "BatchGetItem":
		return r, parseBatchGet(&r, in.RequestItems)
	case "Query", "Scan":
		r.queryTable, r.queryIndex = in.TableName, in.IndexName
		r.partial = in.ProjectionExpression != "" || len(in.AttributesToGet) > 0 || (in.Select != "" && in.Select != "ALL_ATTRIBUTES")
	}
	return r, nil
}

var transactKinds = map[string]string{"Put": kindPut, "Update": kindUpdate, "Delete": kindDelete,
	"ConditionCheck": kindCheck, "Get": kindGet}

func consistency(strong bool) Consistency {
	if strong {
		return Strong
	}
	return Eventual
}

func parseBatchWrite(r *request, tables map[string]json.RawMessage) error {
	for table, raw := range tables {
		var reqs []struct {
			PutRequest    *struct{ Item Item }
			DeleteRequest *struct{ Key Item }
		}
		if err := json.Unmarshal(raw, &reqs); err != nil {
			return err
		}
		for _, w := range reqs {
			switch {
			case w.PutRequest != nil:
				r.writes = append(r.writes, target{table: table, item: w.PutRequest.Item, kind: kindPut})
			case w.DeleteRequest != nil:
				r.writes = append(r.writes, target{table: table, key: w.DeleteRequest.Key, kind: kindDelete})
			}
		}
	}
	return nil
}

// parseBatchGet reads the keys; the consistency is per table, so a request mixing both is
// charged as its strongest.
func parseBatchGet(r *request, tables map[string]json.RawMessage) error {
	r.consistency = Eventual
	for table, raw := range tables {
		var ka struct {
			Keys           []Item
			ConsistentRead bool
		}
		if err := json.Unmarshal(raw, &ka); err != nil {
			return err
		}
		if ka.ConsistentRead {
			r.consistency = Strong
		}
		for _, k := range ka.Keys {
			r.reads = append(r.reads, target{table: table, key: k, kind: kindGet})
		}
	}
	return nil
}

// Schema is what the meter needs of a table: its key attributes and its global secondary
// indexes.
type Schema struct {
	Keys    []string
	Indexes []Index
}

// Index is a global secondary index: its key attributes and what it projects ("KEYS_ONLY",
// "INCLUDE" with NonKey, "ALL").
type Index struct {
	Name       string
	Keys       []string
	Projection string
	NonKey     []string
}

// keyOf is the item's primary key.
func (s Schema) keyOf(it Item) Item { return subset(it, s.Keys) }

// entry is the item's entry in index x: nil when the item lacks one of x's keys (a sparse
// index leaves it out).
func (s Schema) entry(x Index, it Item) Item {
	for _, k := range x.Keys {
		if _, ok := it[k]; !ok {
			return nil
		}
	}
	if x.Projection == "ALL" {
		return it
	}
	return subset(it, append(append(append([]string{}, s.Keys...), x.Keys...), x.NonKey...))
}

// indexUnits is what writing before -> after costs in the table's indexes.
func (s Schema) indexUnits(before, after Item) float64 {
	u := 0.0
	for _, x := range s.Indexes {
		eb, ea := s.entry(x, before), s.entry(x, after)
		keysChanged := !reflect.DeepEqual(subset(eb, x.Keys), subset(ea, x.Keys))
		u += IndexWriteUnits(size(eb), size(ea), keysChanged, !reflect.DeepEqual(eb, ea))
	}
	return u
}

func size(it Item) int {
	if it == nil {
		return 0
	}
	return it.Size()
}

func subset(it Item, names []string) Item {
	if it == nil {
		return nil
	}
	out := Item{}
	for _, n := range names {
		if v, ok := it[n]; ok {
			out[n] = v
		}
	}
	return out
}

// Kind names an item's sort of key by the prefixes of its key values: "ACCOUNT#/ACCOUNT" for
// ACCOUNT#<id> / ACCOUNT, "RATE#/D" for RATE#sms-budget#3 / D20261205.
func Kind(key Item, keys []string) string {
	var parts []string
	for _, k := range keys {
		v := key[k]
		s := ""
		if v.S != nil {
			s = *v.S
		}
		parts = append(parts, prefix(s))
	}
	return strings.Join(parts, "/")
}

// prefix is s up to its first '#' (included), else its leading letters.
func prefix(s string) string {
	if i := strings.IndexByte(s, '#'); i >= 0 {
		return s[:i+1]
	}
	i := strings.IndexFunc(s, func(r rune) bool { return !(r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' || r == '_') })
	if i < 0 {
		return s
	}
	return s[:i]
}
