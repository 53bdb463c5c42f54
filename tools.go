//go:build tools

// Package tools pins dependencies that packages under construction will
// import, so go.sum is complete while they are written. Removed once all
// are imported for real.
package tools

import (
	_ "github.com/HdrHistogram/hdrhistogram-go"
	_ "github.com/chromedp/chromedp"
	_ "github.com/go-zeromq/zmq4"
	_ "github.com/goccy/go-yaml"
	_ "github.com/onsi/ginkgo/v2"
	_ "github.com/onsi/gomega"
	_ "github.com/pebbe/zmq4"
	_ "github.com/spf13/cobra"
	_ "go.uber.org/goleak"
	_ "golang.org/x/perf/benchfmt"
	_ "golang.org/x/perf/benchmath"
	_ "gonum.org/v1/plot"
	_ "gonum.org/v1/plot/plotter"
	_ "gonum.org/v1/plot/vg"
	_ "gonum.org/v1/plot/vg/draw"
)
