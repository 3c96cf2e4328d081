package capacity

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"
)

// Store reads what the meter needs straight from DynamoDB (past the proxies it meters).
type Store interface {
	Schema(ctx context.Context, table string) (Schema, error)
	// Get reads an item whole, strongly consistently; nil when there is none.
	Get(ctx context.Context, table string, key Item) (Item, error)
}

// Usage is one metered request, one JSON line of the meter's output.
type Usage struct {
	Function string  `json:"function"`
	Op       string  `json:"op"`
	RRU      float64 `json:"rru"`
	WRU      float64 `json:"wru"`       // the table's
	IndexWRU float64 `json:"index_wru"` // its global secondary indexes'
	Failed   bool    `json:"failed,omitempty"`
	// Written are the items the request wrote, by kind (Kind), with their size after.
	Written []Written `json:"written,omitempty"`
	Error   string    `json:"error,omitempty"` // why the meter could not size something
	Time    string    `json:"time"`
}

// Written is one item written: its kind of key and its size in bytes after the write.
type Written struct {
	Kind  string `json:"kind"`
	Bytes int    `json:"bytes"`
}

// Meter writes a Usage line per DynamoDB request that passes through Wrap while on() holds.
type Meter struct {
	store Store
	on    func() bool
	mu    sync.Mutex
	w     io.Writer
}

// New returns a Meter writing to w, sizing items with store, metering while on() is true (it
// reads items before and after each write, which makes every request slower).
func New(w io.Writer, store Store, on func() bool) *Meter {
	return &Meter{store: store, on: on, w: w}
}

// Wrap meters the DynamoDB requests function fn sends through next.
func (m *Meter) Wrap(fn string, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		service, op, _ := strings.Cut(r.Header.Get("X-Amz-Target"), ".")
		if !strings.HasPrefix(service, "DynamoDB_") || !m.on() {
			next.ServeHTTP(w, r)
			return
		}
		body, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		req, perr := parseRequest(op, body)
		ctx := context.WithoutCancel(r.Context())
		before := m.before(ctx, req)
		rec := &recorder{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(rec, r)
		u := Usage{Function: fn, Op: op, Failed: rec.status != http.StatusOK, Time: time.Now().UTC().Format(time.RFC3339Nano)}
		if perr != nil {
			u.Error = "request: " + perr.Error()
		} else {
			m.measure(ctx, &u, req, before, decoded(rec))
		}
		m.write(u)
	})
}

// before reads each item a write will touch, before it does.
func (m *Meter) before(ctx context.Context, req request) []sized {
	out := make([]sized, len(req.writes))
	for i, t := range req.writes {
		s, err := m.store.Schema(ctx, t.table)
		out[i].schema, out[i].err = s, err
		if err != nil {
			continue
		}
		key := t.key
		if key == nil {
			key = s.keyOf(t.item)
		}
		out[i].key = key
		out[i].item, out[i].err = m.store.Get(ctx, t.table, key)
	}
	return out
}

// sized is an item read by the meter, with its table's schema.
type sized struct {
	schema Schema
	key    Item
	item   Item
	err    error
}

// measure fills in u's units from the request, the items before it and its response.
func (m *Meter) measure(ctx context.Context, u *Usage, req request, before []sized, resp []byte) {
	var errs []string
	for i, t := range req.writes {
		b := before[i]
		if b.err != nil {
			errs = append(errs, b.err.Error())
			continue
		}
		after, err := m.after(ctx, t, b, u.Failed)
		if err != nil {
			errs = append(errs, err.Error())
		}
		u.WRU += WriteUnits(size(b.item), size(after), req.transactional)
		if !u.Failed && t.kind != kindCheck {
			u.IndexWRU += b.schema.indexUnits(b.item, after)
			if after != nil {
				u.Written = append(u.Written, Written{Kind: Kind(b.key, b.schema.Keys), Bytes: after.Size()})
			}
		}
	}
	var err error
	if len(req.reads) > 0 {
		u.RRU, err = m.readUnits(ctx, req)
	} else if req.queryTable != "" {
		u.RRU, err = m.queryUnits(ctx, req, resp)
	}
	if err != nil {
		errs = append(errs, err.Error())
	}
	u.Error = strings.Join(errs, "; ")
}

// after is the item as the write left it: a put's item, nothing after a delete, the item read
// again after an update; a failed write is charged as if made (the put's item, else the item
// as it stands).
func (m *Meter) after(ctx context.Context, t target, b sized, failed bool) (Item, error) {
	switch {
	case t.kind == kindPut:
		return t.item, nil
	case failed, t.kind == kindCheck:
		return b.item, nil
	case t.kind == kindDelete:
		return nil, nil
	}
	return m.store.Get(ctx, t.table, b.key)
}

// readUnits charges each item read (whole, whatever the request projected) alone.
func (m *Meter) readUnits(ctx context.Context, req request) (float64, error) {
	sizes := make([]int, len(req.reads))
	for i, t := range req.reads {
		it, err := m.store.Get(ctx, t.table, t.key)
		if err != nil {
			return 0, err
		}
		sizes[i] = size(it)
	}
	return ReadUnits(req.consistency, sizes...), nil
}

// queryUnits charges a Query page the sum of the sizes of the items it returned: read whole
// again by key where the request projected fewer attributes from the table; an index's entries
// as returned. Items a FilterExpression dropped are not seen (none of the functions filters).
func (m *Meter) queryUnits(ctx context.Context, req request, resp []byte) (float64, error) {
	var out struct{ Items []Item }
	if err := json.Unmarshal(resp, &out); err != nil {
		return 0, err
	}
	sizes := make([]int, len(out.Items))
	var schema Schema
	if req.partial && req.queryIndex == "" {
		var err error
		if schema, err = m.store.Schema(ctx, req.queryTable); err != nil {
			return 0, err
		}
	}
	for i, it := range out.Items {
		if req.partial && req.queryIndex == "" {
			whole, err := m.store.Get(ctx, req.queryTable, schema.keyOf(it))
			if err != nil {
				return 0, err
			}
			it = whole
		}
		sizes[i] = size(it)
	}
	return QueryUnits(req.consistency, sizes...), nil
}

// decoded is the response body, gunzipped when DynamoDB gzipped it (the SDK asks for gzip).
func decoded(rec *recorder) []byte {
	if rec.Header().Get("Content-Encoding") != "gzip" {
		return rec.body.Bytes()
	}
	zr, err := gzip.NewReader(&rec.body)
	if err != nil {
		return nil
	}
	b, _ := io.ReadAll(zr)
	return b
}

func (m *Meter) write(u Usage) {
	line, _ := json.Marshal(u)
	m.mu.Lock()
	defer m.mu.Unlock()
	_, _ = m.w.Write(append(line, '\n'))
}

// recorder passes a response on and keeps its status and body.
type recorder struct {
	http.ResponseWriter
	status int
	body   bytes.Buffer
}

func (r *recorder) WriteHeader(status int) {
	r.status = status
	r.ResponseWriter.WriteHeader(status)
}

func (r *recorder) Write(b []byte) (int, error) {
	r.body.Write(b)
	return r.ResponseWriter.Write(b)
}
