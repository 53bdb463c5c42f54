package zmtp

import (
	"encoding/hex"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/zharness/zharness/reports"
)

// Direction says which way a logged chunk of bytes went.
type Direction string

// Directions of a WireEntry, relative to the probe.
const (
	In  Direction = "in"  // received from the peer
	Out Direction = "out" // sent to the peer
)

// EventHexLimit caps the octets of one chunk rendered as hex in an event's
// Detail, so a 70 000-octet frame does not bloat the report; the Detail
// then ends with the chunk's full size.
const EventHexLimit = 2048

// WireEntry is one chunk of bytes moved on a connection, exactly as one
// read or write returned it, or the end of the incoming stream.
type WireEntry struct {
	Time time.Time     // when the read or write returned
	At   time.Duration // since the log started
	Dir  Direction
	Data []byte
	Err  string // set on the entry that records EOF or a reset (Data empty)
}

// WireLog records every chunk of bytes a Conn reads or writes. It is safe
// for one reader and one writer at a time, like the Conn itself.
type WireLog struct {
	mu      sync.Mutex
	start   time.Time
	entries []WireEntry
}

// NewWireLog returns an empty log whose offsets count from now.
func NewWireLog() *WireLog { return &WireLog{start: time.Now()} }

// Start returns the time offsets are measured from.
func (l *WireLog) Start() time.Time { return l.start }

func (l *WireLog) add(dir Direction, data []byte, errText string) {
	now := time.Now()
	e := WireEntry{Time: now, At: now.Sub(l.start), Dir: dir, Err: errText}
	if len(data) > 0 {
		e.Data = append([]byte(nil), data...)
	}
	l.mu.Lock()
	l.entries = append(l.entries, e)
	l.mu.Unlock()
}

// Entries returns a copy of the entries so far, oldest first.
func (l *WireLog) Entries() []WireEntry {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]WireEntry(nil), l.entries...)
}

// Bytes returns everything that went in one direction, concatenated.
func (l *WireLog) Bytes(dir Direction) []byte {
	var b []byte
	for _, e := range l.Entries() {
		if e.Dir == dir {
			b = append(b, e.Data...)
		}
	}
	return b
}

// Events converts the log into report events ("wire-in" / "wire-out",
// Detail = hex), with At measured from origin (the spec's start). A zero
// origin means the log's own start.
func (l *WireLog) Events(origin time.Time) []reports.Event {
	if origin.IsZero() {
		origin = l.start
	}
	entries := l.Entries()
	evs := make([]reports.Event, len(entries))
	for i, e := range entries {
		evs[i] = reports.Event{
			At:     e.Time.Sub(origin),
			Op:     "wire-" + string(e.Dir),
			Detail: hexDetail(e.Data),
			Err:    e.Err,
		}
	}
	return evs
}

func hexDetail(b []byte) string {
	if len(b) <= EventHexLimit {
		return hex.EncodeToString(b)
	}
	return fmt.Sprintf("%s… (%d octets)", hex.EncodeToString(b[:EventHexLimit]), len(b))
}

// String renders the log as a readable dump, one line per chunk:
// offset, direction, size, hex.
func (l *WireLog) String() string {
	var sb strings.Builder
	for _, e := range l.Entries() {
		fmt.Fprintf(&sb, "%10.3fms %-3s %6d %s", float64(e.At)/1e6, e.Dir, len(e.Data), hexDetail(e.Data))
		if e.Err != "" {
			fmt.Fprintf(&sb, " [%s]", e.Err)
		}
		sb.WriteByte('\n')
	}
	return sb.String()
}
