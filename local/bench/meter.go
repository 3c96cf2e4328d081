package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"

	"github.com/wallet-accounts/wallet/local/internal/capacity"
	"github.com/wallet-accounts/wallet/local/internal/moto"
	"github.com/wallet-accounts/wallet/shared/courier"
)

// accountItemKind is the account item's kind of key (capacity.Kind): ACCOUNT#<id> / ACCOUNT.
const accountItemKind = "ACCOUNT#/ACCOUNT"

// meter turns on and reads the stack's capacity meter (`host test -capacity`, WALLET_STACK_CAPACITY):
// on while its switch file exists, one capacity.Usage line per DynamoDB request a function
// made meanwhile. Not safe for concurrent use.
type meter struct {
	path    string
	offset  int64
	largest map[string]int // kind of key -> the largest item of that kind written
}

// newMeter returns nil when the stack does not meter (path "").
func newMeter(path string) *meter {
	if path == "" {
		return nil
	}
	return &meter{path: path, largest: map[string]int{}}
}

// metered is what one step's metered requests used, in all.
type metered struct {
	requests                int
	rru, wru, indexWRU      float64
	smsParts, smsMessages   int
	unsized                 []string // the meter's errors
	byOp                    map[string]float64
	failedWrites, wrongFunc int
}

// during turns the meter on, runs drive, turns it off and sums the lines of function fn. With
// sms, it also counts the SMS moto recorded meanwhile, and their parts.
func (m *meter) during(ctx context.Context, b *bench, fn string, sms bool, drive func() (int, error)) (metered, error) {
	var out metered
	if err := m.skipTo(); err != nil {
		return out, err
	}
	before := 0
	if sms {
		sent, err := moto.SentSMS(ctx, http.DefaultClient, b.stack.SNS)
		if err != nil {
			return out, err
		}
		before = len(sent)
	}
	sw := m.path + ".on" // stack.CapacitySwitch
	if err := os.WriteFile(sw, nil, 0o644); err != nil {
		return out, fmt.Errorf("turn the meter on: %w", err)
	}
	n, err := drive()
	if rerr := os.Remove(sw); rerr != nil {
		err = errors.Join(err, fmt.Errorf("turn the meter off: %w", rerr))
	}
	if err != nil {
		return out, err
	}
	out.requests = n
	if sms {
		sent, err := moto.SentSMS(ctx, http.DefaultClient, b.stack.SNS)
		if err != nil {
			return out, err
		}
		for _, s := range sent[min(before, len(sent)):] {
			parts, _ := courier.Parts(s.Text)
			out.smsParts += parts
			out.smsMessages++
		}
	}
	lines, err := m.readNew()
	if err != nil {
		return out, err
	}
	out.add(fn, lines, m.largest)
	return out, nil
}

// add sums the lines of function fn; every item written counts toward the largest of its kind.
func (out *metered) add(fn string, lines []capacity.Usage, largest map[string]int) {
	if out.byOp == nil {
		out.byOp = map[string]float64{}
	}
	for _, u := range lines {
		for _, w := range u.Written {
			largest[w.Kind] = max(largest[w.Kind], w.Bytes)
		}
		if u.Function != fn {
			out.wrongFunc++ // another function's (an alert from the stream): not this step's cost
			continue
		}
		out.rru += u.RRU
		out.wru += u.WRU
		out.indexWRU += u.IndexWRU
		out.byOp[u.Op] += u.WRU + u.IndexWRU
		if u.Failed && u.WRU > 0 {
			out.failedWrites++
		}
		if u.Error != "" {
			out.unsized = append(out.unsized, u.Op+": "+u.Error)
		}
	}
}

func (out metered) merge(o metered) metered {
	out.requests += o.requests
	out.rru, out.wru, out.indexWRU = out.rru+o.rru, out.wru+o.wru, out.indexWRU+o.indexWRU
	out.smsParts, out.smsMessages = out.smsParts+o.smsParts, out.smsMessages+o.smsMessages
	out.unsized = append(out.unsized, o.unsized...)
	out.failedWrites += o.failedWrites
	if out.byOp == nil {
		out.byOp = map[string]float64{}
	}
	for k, v := range o.byOp {
		out.byOp[k] += v
	}
	return out
}

// skipTo moves past the lines written while the meter was off (there are none unless a switch
// file was left behind).
func (m *meter) skipTo() error {
	_, err := m.readNew()
	return err
}

// readNew parses the lines appended since the last call.
func (m *meter) readNew() ([]capacity.Usage, error) {
	f, err := os.Open(m.path)
	if err != nil {
		return nil, fmt.Errorf("capacity meter: %w", err)
	}
	defer f.Close()
	if _, err := f.Seek(m.offset, io.SeekStart); err != nil {
		return nil, fmt.Errorf("capacity meter: %w", err)
	}
	data, err := io.ReadAll(f)
	if err != nil {
		return nil, fmt.Errorf("capacity meter: %w", err)
	}
	end := bytes.LastIndexByte(data, '\n') + 1 // a line being written waits for the next call
	m.offset += int64(end)
	var out []capacity.Usage
	for _, line := range bytes.Split(data[:end], []byte{'\n'}) {
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		var u capacity.Usage
		if err := json.Unmarshal(line, &u); err != nil {
			return nil, fmt.Errorf("capacity meter: %w: %s", err, line)
		}
		out = append(out, u)
	}
	return out, nil
}
