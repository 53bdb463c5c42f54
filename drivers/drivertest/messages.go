package drivertest

import (
	"fmt"
	"hash/crc32"
	"strings"

	"github.com/zharness/zharness/drivers"
)

// Message kinds: each message case sends a short sequence of one kind.
const (
	singleFrame = "single-frame"
	multipart   = "multipart"
)

var messageKinds = []string{singleFrame, multipart}

// bigFrame is the size of the large frame in multipart messages: big
// enough to need ZMTP's long frame form and several TCP segments.
const bigFrame = 1 << 20

// Sequence lengths: several messages so that reordering shows.
const (
	singleCount    = 5
	multipartCount = 3
)

// messages builds the sequence of kind sent in one direction; tag tells
// directions apart ("request", "reply") so a reflected message is caught.
// Every frame, the 1 MiB one included, depends on the index, so a dropped,
// repeated or reordered message cannot match.
func messages(kind, tag string) []drivers.Msg {
	if kind == singleFrame {
		ms := make([]drivers.Msg, singleCount)
		for i := range ms {
			ms[i] = drivers.MsgFromStrings(fmt.Sprintf("drivertest %s %s %d", tag, kind, i))
		}
		return ms
	}
	ms := make([]drivers.Msg, multipartCount)
	for i := range ms {
		big := make([]byte, bigFrame)
		for j := range big {
			big[j] = byte((j*7 + i*13 + len(tag)) % 251)
		}
		ms[i] = drivers.Msg{
			[]byte(fmt.Sprintf("drivertest %s %s %d", tag, kind, i)),
			{}, // the empty frame
			big,
			[]byte(fmt.Sprintf("end %d", i)),
		}
	}
	return ms
}

// probe is the PUB/SUB synchronisation message; no checked message
// equals it.
var probe = drivers.MsgFromStrings("drivertest probe")

func isProbe(m drivers.Msg) bool { return m.Equal(probe) }

// describeMsg renders m for a failure line: short frames quoted, long
// frames by size and CRC so two lines can be compared by eye.
func describeMsg(m drivers.Msg) string {
	parts := make([]string, len(m))
	for i, f := range m {
		if len(f) <= 40 {
			parts[i] = fmt.Sprintf("%q", f)
		} else {
			parts[i] = fmt.Sprintf("<%d bytes crc32 %08x>", len(f), crc32.ChecksumIEEE(f))
		}
	}
	noun := "frames"
	if len(m) == 1 {
		noun = "frame"
	}
	return fmt.Sprintf("%d %s [%s]", len(m), noun, strings.Join(parts, " "))
}
