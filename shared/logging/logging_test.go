package logging

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"
)

func decodeLines(t *testing.T, buf *bytes.Buffer) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(buf.String()), "\n") {
		if line == "" {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("log line is not JSON: %v: %q", err, line)
		}
		out = append(out, m)
	}
	return out
}

func TestRequestIDRoundTrip(t *testing.T) {
	ctx := context.Background()
	if got := RequestID(ctx); got != "" {
		t.Fatalf("RequestID(empty) = %q, want empty", got)
	}
	if got := RequestID(WithRequestID(ctx, "req-1")); got != "req-1" {
		t.Fatalf("RequestID = %q, want req-1", got)
	}
}

func TestNewAddsRequestID(t *testing.T) {
	ctx := WithRequestID(context.Background(), "req-42")
	tests := []struct {
		name   string
		log    func(l *slog.Logger)
		wantID bool
		check  func(t *testing.T, m map[string]any)
	}{
		{
			name:   "with context",
			log:    func(l *slog.Logger) { l.InfoContext(ctx, "hello", "n", 1) },
			wantID: true,
		},
		{
			name: "without context",
			log:  func(l *slog.Logger) { l.Info("hello") },
		},
		{
			name:   "with attrs",
			log:    func(l *slog.Logger) { l.With("flow", "otp").InfoContext(ctx, "hello") },
			wantID: true,
			check: func(t *testing.T, m map[string]any) {
				if m["flow"] != "otp" {
					t.Errorf("flow = %v, want otp", m["flow"])
				}
			},
		},
		{
			name:   "grouped logger keeps request_id at top level",
			log:    func(l *slog.Logger) { l.With("a", 1).WithGroup("g").With("b", 2).InfoContext(ctx, "hello", "c", 3) },
			wantID: true,
			check: func(t *testing.T, m map[string]any) {
				g, ok := m["g"].(map[string]any)
				if !ok || g["b"] != 2.0 || g["c"] != 3.0 {
					t.Errorf("group g = %v, want b=2 c=3", m["g"])
				}
				if m["a"] != 1.0 {
					t.Errorf("a = %v, want 1", m["a"])
				}
				if _, in := g[RequestIDKey]; in {
					t.Errorf("request_id inside group: %v", g)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			tt.log(New(&buf, slog.LevelInfo))
			lines := decodeLines(t, &buf)
			if len(lines) != 1 {
				t.Fatalf("got %d lines, want 1: %s", len(lines), buf.String())
			}
			m := lines[0]
			id, has := m[RequestIDKey]
			if has != tt.wantID || (tt.wantID && id != "req-42") {
				t.Errorf("request_id = %v (present %v), want present=%v", id, has, tt.wantID)
			}
			if m["msg"] != "hello" || m["level"] != "INFO" {
				t.Errorf("msg/level = %v/%v", m["msg"], m["level"])
			}
			if tt.check != nil {
				tt.check(t, m)
			}
		})
	}
}

func TestNewLevel(t *testing.T) {
	var buf bytes.Buffer
	l := New(&buf, slog.LevelWarn)
	l.Info("dropped")
	l.Warn("kept")
	lines := decodeLines(t, &buf)
	if len(lines) != 1 || lines[0]["msg"] != "kept" {
		t.Fatalf("lines = %v, want only the WARN record", lines)
	}
}

func TestNewNamesTraceAndFatal(t *testing.T) {
	var buf bytes.Buffer
	l := New(&buf, LevelTrace)
	l.Log(context.Background(), LevelTrace, "t")
	l.Log(context.Background(), LevelFatal, "f")
	lines := decodeLines(t, &buf)
	if len(lines) != 2 || lines[0]["level"] != "TRACE" || lines[1]["level"] != "FATAL" {
		t.Fatalf("levels = %v", lines)
	}
}

func TestParseLevel(t *testing.T) {
	tests := []struct {
		in   string
		want slog.Level
	}{
		{"", slog.LevelInfo},
		{"TRACE", LevelTrace},
		{"debug", slog.LevelDebug},
		{"INFO", slog.LevelInfo},
		{"Warn", slog.LevelWarn},
		{"WARNING", slog.LevelWarn},
		{" ERROR ", slog.LevelError},
		{"FATAL", LevelFatal},
		{"verbose", slog.LevelInfo},
	}
	for _, tt := range tests {
		if got := ParseLevel(tt.in); got != tt.want {
			t.Errorf("ParseLevel(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}
