package main

import (
	"fmt"
	"io"
	"os"
	"sync"
	"time"
)

// progress shows done/total, unexpected results so far and an ETA: a live
// line on a terminal, a plain line every 10 s otherwise (CI logs).
type progress struct {
	mu         sync.Mutex
	w          io.Writer
	what       string
	total      int
	done       int
	unexpected int
	start      time.Time
	last       time.Time
	tty        bool
	off        bool
}

func newProgress(w io.Writer, what string, total int, off bool) *progress {
	p := &progress{w: w, what: what, total: total, start: time.Now(), off: off}
	if f, ok := w.(*os.File); ok {
		if st, err := f.Stat(); err == nil && st.Mode()&os.ModeCharDevice != 0 {
			p.tty = true
		}
	}
	p.last = p.start
	return p
}

// update records the number done; unexpected adds one when true.
func (p *progress) update(done int, unexpected bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.done = done
	if unexpected {
		p.unexpected++
	}
	p.print(false)
}

// set replaces both counters (used when polling worker files).
func (p *progress) set(done, unexpected int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.done, p.unexpected = done, unexpected
	p.print(false)
}

func (p *progress) print(final bool) {
	if p.off {
		return
	}
	now := time.Now()
	if !p.tty && !final && now.Sub(p.last) < 10*time.Second {
		return
	}
	p.last = now
	eta := "?"
	if p.done > 0 && p.done < p.total {
		left := time.Duration(float64(now.Sub(p.start)) / float64(p.done) * float64(p.total-p.done))
		eta = left.Round(time.Second).String()
	} else if p.done >= p.total {
		eta = "0s"
	}
	line := fmt.Sprintf("%s: %d/%d specs, %d unexpected, %s elapsed, ETA %s", p.what, p.done, p.total, p.unexpected, now.Sub(p.start).Round(time.Second), eta)
	if p.tty {
		fmt.Fprintf(p.w, "\r\033[K%s", line)
		if final {
			fmt.Fprintln(p.w)
		}
		return
	}
	fmt.Fprintln(p.w, line)
}

func (p *progress) finish() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.print(true)
}
