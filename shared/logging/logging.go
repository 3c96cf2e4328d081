// Package logging builds the one logger every function uses: log/slog JSON with the Lambda
// request id on every record that is logged with the request's context.
//
// Never log a code, password, security answer, token, ID number or full phone number, at any level.
package logging

import (
	"context"
	"io"
	"log/slog"
	"strings"
)

// RequestIDKey is the JSON key of the request id on every record logged with a request context.
const RequestIDKey = "request_id"

// LevelTrace and LevelFatal are the two AWS_LAMBDA_LOG_LEVEL values slog has no name for.
const (
	LevelTrace = slog.LevelDebug - 4
	LevelFatal = slog.LevelError + 4
)

type requestIDKey struct{}

// WithRequestID returns a copy of ctx that carries the request id id.
func WithRequestID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, requestIDKey{}, id)
}

// RequestID returns the request id ctx carries, or "".
func RequestID(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey{}).(string)
	return id
}

// ParseLevel reads a level in the form of Lambda's AWS_LAMBDA_LOG_LEVEL (TRACE, DEBUG, INFO,
// WARN, ERROR, FATAL; any case). Anything else, including "", is INFO.
func ParseLevel(s string) slog.Level {
	switch strings.ToUpper(strings.TrimSpace(s)) {
	case "TRACE":
		return LevelTrace
	case "DEBUG":
		return slog.LevelDebug
	case "WARN", "WARNING":
		return slog.LevelWarn
	case "ERROR":
		return slog.LevelError
	case "FATAL":
		return LevelFatal
	default:
		return slog.LevelInfo
	}
}

// New returns a JSON logger writing to w at level and above. A record logged with a context
// that carries a request id (WithRequestID) gets it as the top-level attribute request_id.
func New(w io.Writer, level slog.Level) *slog.Logger {
	opts := &slog.HandlerOptions{Level: level, ReplaceAttr: levelNames}
	base := slog.NewJSONHandler(w, opts)
	return slog.New(&handler{root: base, inner: base})
}

// levelNames names the two levels slog prints as offsets (DEBUG-4, ERROR+4).
func levelNames(groups []string, a slog.Attr) slog.Attr {
	if len(groups) > 0 || a.Key != slog.LevelKey {
		return a
	}
	switch a.Value.Any() {
	case LevelTrace:
		a.Value = slog.StringValue("TRACE")
	case LevelFatal:
		a.Value = slog.StringValue("FATAL")
	}
	return a
}

// handler adds the request id from the context. It keeps the handler as it was before the first
// WithGroup (root) and the steps applied since (ops), so the request id can be added at the top
// level even for a grouped logger.
type handler struct {
	root  slog.Handler // attrs applied, no group open
	inner slog.Handler // root with ops applied
	ops   []func(slog.Handler) slog.Handler
}

func (h *handler) Enabled(ctx context.Context, level slog.Level) bool {
	return h.inner.Enabled(ctx, level)
}

func (h *handler) Handle(ctx context.Context, r slog.Record) error {
	id := RequestID(ctx)
	if id == "" {
		return h.inner.Handle(ctx, r)
	}
	if len(h.ops) == 0 {
		r = r.Clone()
		r.AddAttrs(slog.String(RequestIDKey, id))
		return h.inner.Handle(ctx, r)
	}
	grouped := h.root.WithAttrs([]slog.Attr{slog.String(RequestIDKey, id)})
	for _, op := range h.ops {
		grouped = op(grouped)
	}
	return grouped.Handle(ctx, r)
}

func (h *handler) WithAttrs(attrs []slog.Attr) slog.Handler {
	if len(attrs) == 0 {
		return h
	}
	if len(h.ops) == 0 {
		next := h.inner.WithAttrs(attrs)
		return &handler{root: next, inner: next}
	}
	return h.with(func(n slog.Handler) slog.Handler { return n.WithAttrs(attrs) })
}

func (h *handler) WithGroup(name string) slog.Handler {
	if name == "" {
		return h
	}
	return h.with(func(n slog.Handler) slog.Handler { return n.WithGroup(name) })
}

func (h *handler) with(op func(slog.Handler) slog.Handler) *handler {
	ops := append(h.ops[:len(h.ops):len(h.ops)], op)
	return &handler{root: h.root, inner: op(h.inner), ops: ops}
}
