// Package linelog interleaves the output of many processes on one writer, whole lines at a
// time, each line prefixed with its source.
package linelog

import (
	"bytes"
	"fmt"
	"io"
	"sync"
)

// Sink is a writer shared by many sources; its methods are safe for concurrent use.
type Sink struct {
	mu sync.Mutex
	w  io.Writer
}

// NewSink returns a Sink writing to w.
func NewSink(w io.Writer) *Sink {
	return &Sink{w: w}
}

// Prefixed returns a writer that writes each complete line it is given to the sink with
// prefix before it. Close writes a last unterminated line, if any.
func (s *Sink) Prefixed(prefix string) io.WriteCloser {
	return &prefixWriter{sink: s, prefix: []byte(prefix)}
}

type prefixWriter struct {
	sink    *Sink
	prefix  []byte
	mu      sync.Mutex
	partial []byte
}

// maxLine bounds a line held back while waiting for its newline.
const maxLine = 256 << 10

func (p *prefixWriter) Write(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := len(b)
	p.partial = append(p.partial, b...)
	var out []byte
	for {
		i := bytes.IndexByte(p.partial, '\n')
		if i < 0 {
			break
		}
		out = append(append(out, p.prefix...), p.partial[:i+1]...)
		p.partial = p.partial[i+1:]
	}
	if len(p.partial) > maxLine {
		out = append(append(append(out, p.prefix...), p.partial...), '\n')
		p.partial = nil
	}
	if len(out) > 0 {
		p.sink.mu.Lock()
		_, err := p.sink.w.Write(out)
		p.sink.mu.Unlock()
		if err != nil {
			return n, fmt.Errorf("write log: %w", err)
		}
	}
	p.partial = append([]byte(nil), p.partial...) // do not pin the caller's large buffers
	return n, nil
}

func (p *prefixWriter) Close() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.partial) == 0 {
		return nil
	}
	line := append(append(append([]byte(nil), p.prefix...), p.partial...), '\n')
	p.partial = nil
	p.sink.mu.Lock()
	defer p.sink.mu.Unlock()
	if _, err := p.sink.w.Write(line); err != nil {
		return fmt.Errorf("write log: %w", err)
	}
	return nil
}
