package zmtp

import (
	"errors"
	"net"
	"path/filepath"
	"testing"
	"time"
)

// rawPair returns two connected RawPipes over network ("tcp" or "unix").
func rawPair(t *testing.T, network, addr string, lenSize int) (a, b *RawPipe) {
	t.Helper()
	l, err := net.Listen(network, addr)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	ch := make(chan net.Conn, 1)
	go func() {
		c, _ := l.Accept() // an error shows up as the nil conn below
		ch <- c
	}()
	ca, err := net.DialTimeout(network, l.Addr().String(), testTimeout)
	if err != nil {
		t.Fatal(err)
	}
	var cb net.Conn
	select {
	case cb = <-ch:
	case <-time.After(testTimeout):
	}
	if cb == nil {
		ca.Close()
		t.Fatal("accept failed")
	}
	t.Cleanup(func() { ca.Close(); cb.Close() })
	a, err = NewRawPipe(ca, lenSize)
	if err != nil {
		t.Fatal(err)
	}
	b, _ = NewRawPipe(cb, lenSize)
	return a, b
}

func TestRawLoops(t *testing.T) {
	t.Parallel()
	nets := []struct{ network, addr string }{
		{"tcp", "127.0.0.1:0"},
		{"unix", filepath.Join(t.TempDir(), "raw.sock")},
	}
	for _, n := range nets {
		for _, lenSize := range []int{4, 8} {
			a, b := rawPair(t, n.network, n.addr, lenSize)
			deadline := time.Now().Add(10 * time.Second)
			const size, count = 64, 20000
			errc := make(chan error, 1)
			go func() {
				_, err := RawThroughputSender(a, size, count, deadline)
				errc <- err
			}()
			elapsed, err := RawThroughputReceiver(b, size, count, deadline)
			if err != nil {
				t.Fatalf("%s/%d: receiver: %v", n.network, lenSize, err)
			}
			if err := <-errc; err != nil {
				t.Fatalf("%s/%d: sender: %v", n.network, lenSize, err)
			}
			if elapsed <= 0 {
				t.Fatalf("%s/%d: elapsed %v", n.network, lenSize, elapsed)
			}
			t.Logf("%s len%d: throughput %d×%dB: %.0f msg/s", n.network, lenSize, count, size, float64(count)/elapsed.Seconds())

			const rts = 500
			go func() { errc <- RawLatencyServer(b, size, rts, deadline) }()
			samples, err := RawLatencyClient(a, size, rts, deadline)
			if err != nil {
				t.Fatalf("%s/%d: latency client: %v", n.network, lenSize, err)
			}
			if err := <-errc; err != nil {
				t.Fatalf("%s/%d: latency server: %v", n.network, lenSize, err)
			}
			if len(samples) != rts {
				t.Fatalf("%d samples, want %d", len(samples), rts)
			}
			var sum time.Duration
			for _, s := range samples {
				if s <= 0 {
					t.Fatalf("non-positive sample %v", s)
				}
				sum += s
			}
			t.Logf("%s len%d: mean round trip %v", n.network, lenSize, sum/rts)
		}
	}
}

func TestRawErrors(t *testing.T) {
	t.Parallel()
	if _, err := NewRawPipe(nil, 2); err == nil {
		t.Error("length prefix of 2 accepted")
	}
	a, b := rawPair(t, "tcp", "127.0.0.1:0", 4)
	if err := a.WriteFrame(make([]byte, 100)); err != nil {
		t.Fatal(err)
	}
	if err := a.Flush(); err != nil {
		t.Fatal(err)
	}
	_ = b.SetDeadline(time.Now().Add(testTimeout))
	if _, err := b.ReadFrame(nil, 99); !errors.Is(err, ErrFrameTooLarge) {
		t.Errorf("oversized raw frame: got %v", err)
	}
	// A silent peer ends the loop at the deadline, not never.
	start := time.Now()
	_, err := RawThroughputReceiver(a, 8, 1, time.Now().Add(100*time.Millisecond))
	if !IsTimeout(err) {
		t.Errorf("silent sender: got %v, want a timeout", err)
	}
	if d := time.Since(start); d < 100*time.Millisecond {
		t.Errorf("returned after %v, before the deadline", d)
	}
}
