//go:build race

package plot_test

// raceEnabled: gonum's PNG rasteriser runs ~20× slower under the race
// detector, so race builds render fewer PNGs (the drawing code is the
// same for every format and runs on one goroutine).
const raceEnabled = true
