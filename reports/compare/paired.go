package compare

import (
	"math"
	"slices"
	"sort"

	"github.com/zharness/zharness/reports"
)

// Paired comparison (Options.Paired): when base and new were measured in
// interleaved rounds (zharness bench --against), sample i of each side
// comes from the same few seconds of the machine's life, so the drift of
// a shared machine cancels in the ratio new_i/base_i. The test is then
// the Wilcoxon signed-rank test on log(new_i/base_i), and the change is
// the median of those ratios. No maintained Go package offers the
// signed-rank test (golang.org/x/perf/benchmath has Mann-Whitney U only),
// so it is written here: exact for small n without ties, the normal
// approximation with tie correction otherwise.

// pairedSamples groups metric values by point and round (Perf.Repeat).
func pairedSamples(recs []*reports.Record) map[key]map[int]float64 {
	out := map[key]map[int]float64{}
	for _, r := range recs {
		if r.Type != reports.RecordPerf || r.Perf == nil || r.Perf.Error != "" {
			continue
		}
		for i, m := range Metrics {
			if v := m.value(r.Perf); v > 0 && !math.IsInf(v, 0) && !math.IsNaN(v) {
				k := key{pointOf(r), i}
				if out[k] == nil {
					out[k] = map[int]float64{}
				}
				out[k][r.Perf.Repeat] = v
			}
		}
	}
	return out
}

// logRatios returns log(new/base) for the rounds both sides have.
func logRatios(base, new map[int]float64) []float64 {
	var d []float64
	for round, b := range base {
		if n, ok := new[round]; ok {
			d = append(d, math.Log(n/b))
		}
	}
	sort.Float64s(d) // deterministic order
	return d
}

// signedRankP is the two-sided p-value of the Wilcoxon signed-rank test
// that the d are symmetric about 0. Zeros are dropped (Wilcoxon's rule).
func signedRankP(d []float64) float64 {
	var nz []float64
	for _, x := range d {
		if x != 0 {
			nz = append(nz, x)
		}
	}
	n := len(nz)
	if n == 0 {
		return 1
	}
	idx := make([]int, n)
	for i := range idx {
		idx[i] = i
	}
	sort.Slice(idx, func(a, b int) bool { return math.Abs(nz[idx[a]]) < math.Abs(nz[idx[b]]) })
	ranks := make([]float64, n)
	ties := false
	var tieTerm float64
	for i := 0; i < n; {
		j := i
		for j+1 < n && math.Abs(nz[idx[j+1]]) == math.Abs(nz[idx[i]]) {
			j++
		}
		avg := float64(i+j+2) / 2 // ranks are 1-based
		for k := i; k <= j; k++ {
			ranks[idx[k]] = avg
		}
		if t := float64(j - i + 1); t > 1 {
			ties = true
			tieTerm += t*t*t - t
		}
		i = j + 1
	}
	var wPlus float64
	for i, x := range nz {
		if x > 0 {
			wPlus += ranks[i]
		}
	}
	total := float64(n*(n+1)) / 2
	w := math.Min(wPlus, total-wPlus)
	if !ties && n <= 30 {
		return math.Min(1, 2*exactSignedRankCDF(n, int(w)))
	}
	mean := total / 2
	sd := math.Sqrt(float64(n*(n+1)*(2*n+1))/24 - tieTerm/48)
	if sd == 0 {
		return 1
	}
	z := (w - mean + 0.5) / sd // continuity correction; w ≤ mean
	return math.Min(1, 2*normalCDF(z))
}

// exactSignedRankCDF is P(W ≤ w) for the signed-rank statistic of n
// untied pairs under the null: the number of subsets of {1..n} whose sum
// is at most w, over 2^n.
func exactSignedRankCDF(n, w int) float64 {
	maxSum := n * (n + 1) / 2
	counts := make([]float64, maxSum+1)
	counts[0] = 1
	for r := 1; r <= n; r++ {
		for s := maxSum; s >= r; s-- {
			counts[s] += counts[s-r]
		}
	}
	var c float64
	for s := 0; s <= w && s <= maxSum; s++ {
		c += counts[s]
	}
	return c / math.Pow(2, float64(n))
}

func normalCDF(z float64) float64 { return 0.5 * math.Erfc(-z/math.Sqrt2) }

// medianRatio is exp(median(d)): the typical new/base ratio of a round.
func medianRatio(d []float64) float64 {
	s := slices.Clone(d)
	sort.Float64s(s)
	n := len(s)
	if n == 0 {
		return math.NaN()
	}
	m := s[n/2]
	if n%2 == 0 {
		m = (s[n/2-1] + s[n/2]) / 2
	}
	return math.Exp(m)
}
