package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"time"
)

// requestLine is the one line a function logs per request (shared/apigw Router.logRequest):
// {"msg":"request","route":...,"status":...,"calls":{"dynamodb":N,"sns":M},"request_id":...}.
type requestLine struct {
	Msg       string         `json:"msg"`
	Route     string         `json:"route"`
	Status    int            `json:"status"`
	Calls     map[string]int `json:"calls"`
	RequestID string         `json:"request_id"`
	CPUMs     float64        `json:"cpu_ms"` // the process's CPU over the request
}

// functionLogs follows the functions' log file (WALLET_STACK_LOGS) and indexes its request
// lines by Lambda request id. Not safe for concurrent use.
type functionLogs struct {
	path    string
	offset  int64
	partial []byte
	lines   map[string]requestLine
}

func newFunctionLogs(path string) *functionLogs {
	return &functionLogs{path: path, lines: map[string]requestLine{}}
}

// lookup returns the request lines of ids, waiting up to timeout for the function output to
// reach the file (the host copies it there asynchronously).
func (l *functionLogs) lookup(ctx context.Context, ids []string, timeout time.Duration) (map[string]requestLine, error) {
	deadline := time.Now().Add(timeout)
	for {
		if err := l.readNew(); err != nil {
			return nil, err
		}
		out := make(map[string]requestLine, len(ids))
		var missing []string
		for _, id := range ids {
			if line, ok := l.lines[id]; ok {
				out[id] = line
			} else {
				missing = append(missing, id)
			}
		}
		if len(missing) == 0 {
			return out, nil
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("no request log line for %d of %d requests (first: %s) in %s", len(missing), len(ids), missing[0], l.path)
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// readNew indexes the lines appended since the last call.
func (l *functionLogs) readNew() error {
	f, err := os.Open(l.path)
	if err != nil {
		return fmt.Errorf("function logs: %w", err)
	}
	defer f.Close()
	if fi, err := f.Stat(); err == nil && fi.Size() < l.offset {
		// Truncated: another `host test` started and recreated the file. Read it again; lines
		// are indexed by request id, so nothing is counted twice.
		l.offset, l.partial = 0, nil
	}
	if _, err := f.Seek(l.offset, io.SeekStart); err != nil {
		return fmt.Errorf("function logs: %w", err)
	}
	b, err := io.ReadAll(f)
	if err != nil {
		return fmt.Errorf("function logs: %w", err)
	}
	l.offset += int64(len(b))
	b = append(l.partial, b...)
	end := bytes.LastIndexByte(b, '\n') + 1
	l.partial = append([]byte(nil), b[end:]...)
	for _, line := range bytes.Split(b[:end], []byte{'\n'}) {
		if r, ok := parseRequestLine(bytes.Trim(line, "\x00")); ok {
			l.lines[r.RequestID] = r
		}
	}
	return nil
}

// parseRequestLine reads one line of the log file, "[LogicalId#n] {json}", and reports whether
// it is a request line.
func parseRequestLine(line []byte) (requestLine, bool) {
	i := bytes.IndexByte(line, '{')
	if i < 0 || !bytes.Contains(line, []byte(`"msg":"request"`)) {
		return requestLine{}, false
	}
	var r requestLine
	if err := json.Unmarshal(line[i:], &r); err != nil || r.Msg != "request" || r.RequestID == "" {
		return requestLine{}, false
	}
	return r, true
}
