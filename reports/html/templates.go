package html

import (
	"fmt"
	"html/template"
	"strings"

	"github.com/zharness/zharness/reports"
	"github.com/zharness/zharness/reports/compare"
)

var funcs = template.FuncMap{
	"vclass": func(v reports.Verdict) string {
		if v == "" {
			return "v-missing"
		}
		return "v-" + strings.ToLower(safe(strings.ReplaceAll(string(v), "/", "")))
	},
	"vshort": func(v reports.Verdict) string {
		switch v {
		case reports.NonStrict:
			return "NS"
		case reports.Informational:
			return "INFO"
		case reports.Unimplemented:
			return "UNIMPL"
		case "":
			return "–"
		}
		return string(v)
	},
	"num": func(v float64, unit string) string {
		if v == 0 {
			return "–"
		}
		return compare.Format(v, unit)
	},
	// raw is a sort key; empty for "not measured" so sorting puts it last.
	"raw": func(v float64) string {
		if v == 0 {
			return ""
		}
		return fmt.Sprintf("%g", v)
	},
	"size": func(n int) string {
		switch {
		case n >= 1<<20 && n%(1<<20) == 0:
			return fmt.Sprintf("%d MiB", n>>20)
		case n >= 1<<10 && n%(1<<10) == 0:
			return fmt.Sprintf("%d KiB", n>>10)
		}
		return fmt.Sprintf("%d B", n)
	},
	"dur":  fmtDuration,
	"join": strings.Join,
	"count": func(c reports.Counts, v reports.Verdict) int {
		return c[v]
	},
	"add1": func(i int) int { return i + 1 },
}

var templates = template.Must(template.New("").Funcs(funcs).Parse(tmplText))

const tmplText = `
{{define "style"}}<style>
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0 auto;max-width:1400px;padding:0 20px 40px;color:#222}
h1{font-size:24px;margin:18px 0 6px}h2{font-size:19px;margin:28px 0 8px;border-bottom:1px solid #ddd;padding-bottom:4px}h3{font-size:16px;margin:20px 0 6px}
table{border-collapse:collapse;margin:6px 0}th,td{border:1px solid #d0d0d0;padding:3px 8px;text-align:left;vertical-align:top}
th{background:#f3f3f3;font-weight:600}td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}
.incomplete{background:#b71c1c;color:#fff;font-size:20px;font-weight:700;padding:12px 16px;margin:12px 0;border-radius:4px}
.v-pass{background:#43a047;color:#fff}.v-fail{background:#d32f2f;color:#fff}.v-non-strict{background:#f57c00;color:#fff}
.v-informational{background:#1e88e5;color:#fff}.v-unimplemented{background:#9e9e9e;color:#fff}.v-na{background:#e0e0e0;color:#555}.v-missing{background:#fff;color:#999}
.matrix td.cell{padding:0;text-align:center;min-width:46px}.matrix td.cell a{display:block;padding:3px 4px;color:inherit;text-decoration:none;font-size:12px;font-weight:600}
.matrix td.cell a:hover{outline:2px solid #000;outline-offset:-2px}.matrix td.cell.unexpected a::after{content:" !"}
.matrix tr.group td{background:#fafafa;font-weight:700;text-transform:uppercase;font-size:12px;letter-spacing:.05em}
.matrix th.col{font-size:12px;text-align:center}
.badge{display:inline-block;padding:1px 8px;border-radius:3px;font-weight:700}
.meta td:first-child{font-weight:600;background:#fafafa}
pre{background:#f6f8fa;border:1px solid #e1e4e8;padding:8px;overflow-x:auto;white-space:pre-wrap}
figure{margin:12px 0}figure img{max-width:100%;border:1px solid #eee}figcaption{font-size:12px;color:#555}
table.sortable th{cursor:pointer;user-select:none}table.sortable th:hover{background:#e6e6e6}
table.sortable th[data-dir=asc]::after{content:" ▲"}table.sortable th[data-dir=desc]::after{content:" ▼"}
tr.regression td{background:#ffebee}tr.improvement td{background:#e8f5e9}
.legend span{display:inline-block;padding:1px 8px;margin-right:4px;border-radius:3px;font-size:12px}
section.cell{border:1px solid #ddd;border-radius:4px;padding:4px 14px 10px;margin:14px 0}section.cell:target{border-color:#1565c0;box-shadow:0 0 0 2px #90caf9}
.muted{color:#666}
table.events td{font-family:monospace;font-size:12px;vertical-align:top}table.events td:nth-child(4),table.events td:nth-child(5){word-break:break-all;max-width:70ch}
</style>{{end}}

{{define "banner"}}{{if .}}<div class="incomplete" id="incomplete">INCOMPLETE: the run was interrupted; this report covers only what finished.</div>{{end}}{{end}}

{{define "index"}}<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>{{.Title}}</title>
<link rel="icon" href="data:,">
{{template "style"}}</head><body>
<h1>{{.Title}}</h1>
{{template "banner" .Meta.Incomplete}}
<nav class="muted"><a href="#summary">Summary</a> · <a href="#matrix">Conformance matrix</a>{{if .Perf}} · <a href="#perf">Performance</a>{{end}}{{if .Comparison}} · <a href="#compare">Comparison</a>{{end}} · <a href="#run">Run</a></nav>

<h2 id="summary">Summary</h2>
<table class="summary"><thead><tr><th>pairing</th><th>transport</th>{{range .Verdicts}}<th class="n {{vclass .}}">{{.}}</th>{{end}}<th class="n">total</th><th class="n">unexpected</th></tr></thead><tbody>
{{range .Summary.Rows}}{{$c := .Counts}}<tr><td>{{.Pairing}}</td><td>{{.Transport}}</td>{{range $.Verdicts}}<td class="n">{{count $c .}}</td>{{end}}<td class="n">{{.Counts.Total}}</td><td class="n">{{.Unexpected}}</td></tr>
{{end}}<tr><th>all</th><th></th>{{$t := .Summary.Totals}}{{range .Verdicts}}<th class="n">{{count $t .}}</th>{{end}}<th class="n">{{.Summary.Totals.Total}}</th><th class="n">{{.Summary.Unexpected}}</th></tr>
</tbody></table>
{{if .Interop.Rows}}<h3 id="interop">Interoperability</h3>
<p class="muted">Rows: the judged implementation (subject); columns: its peer. Each cell: cases passed of those judged (PASS, FAIL, NON-STRICT) across transports; green when all passed, red when none. Hover for the counts.</p>
<table class="interop" id="interop-grid"><thead><tr><th>subject \ peer</th>{{range .Interop.Drivers}}<th>{{.}}</th>{{end}}</tr></thead><tbody>
{{range .Interop.Rows}}<tr><th>{{.Subject}}</th>{{range .Cells}}{{if .Has}}<td class="n" style="{{.Style}}" title="{{.Title}}">{{.Pass}}/{{.Judged}}{{if .Unex}} <strong>({{.Unex}}!)</strong>{{end}}</td>{{else}}<td class="n muted">–</td>{{end}}{{end}}</tr>
{{end}}</tbody></table>{{end}}
{{if .Summary.PerfPoints}}<p>Performance points: {{.Summary.PerfPoints}}{{if .Summary.PerfFailed}}, <strong>{{.Summary.PerfFailed}} failed</strong>{{end}}.</p>{{end}}

<h2 id="matrix">Conformance matrix</h2>
<p class="legend">{{range .Verdicts}}<span class="{{vclass .}}">{{if ne (vshort .) (print .)}}{{vshort .}} = {{end}}{{.}}</span>{{end}}<span class="v-missing" style="border:1px solid #ccc">– = no record</span> <span class="muted">"!" = differs from ci/expectations.yaml. Click a cell for the case page.</span></p>
{{with .Matrix}}<table class="matrix" id="conformance-matrix"><thead>
<tr><th rowspan="2">case</th>{{range .Pairings}}<th class="col" colspan="{{.Span}}">{{.Pairing}}</th>{{end}}</tr>
<tr>{{range .Columns}}<th class="col">{{.Transport}}</th>{{end}}</tr></thead><tbody>
{{range .Groups}}<tr class="group"><td colspan="{{add1 (len $.Matrix.Columns)}}">{{.Pattern}}</td></tr>
{{range .Rows}}{{$case := .}}<tr><td><a href="cases/{{.File}}">{{.ID}}</a>{{if .Clause}} <span class="muted">{{.Clause}}</span>{{end}}</td>
{{range .Cells}}<td class="cell {{vclass .Verdict}}{{if .Unexp}} unexpected{{end}}" data-case="{{$case.ID}}" data-col="{{.Column}}">{{if .Records}}<a href="cases/{{$case.File}}#{{.Anchor}}" title="{{$case.ID}} [{{.Column}}]: {{.Verdict}}">{{vshort .Verdict}}</a>{{else}}–{{end}}</td>{{end}}</tr>
{{end}}{{end}}</tbody></table>{{else}}<p>No conformance records.</p>{{end}}

{{if or .Perf .Images}}<h2 id="perf">Performance</h2>
{{range .Images}}<figure><img src="{{.Src}}" alt="{{.Alt}}">{{if or .SVG .Caption}}<figcaption>{{or .Caption .Alt}}{{if .SVG}} · <a href="{{.SVG}}">SVG</a>{{end}}</figcaption>{{end}}</figure>
{{end}}
{{if .Perf}}<p class="muted">Medians over repeats; n = repeats that succeeded. Click a column header to sort.</p>
<table class="sortable" id="perf-table"><thead><tr><th>workload</th><th>driver</th><th>transport</th><th>mode</th><th>topology</th><th>security</th><th class="n">size</th><th class="n">n</th><th class="n">msgs/s</th><th class="n">MB/s</th><th class="n">p50</th><th class="n">p99</th><th class="n">p99.9</th><th class="n">max</th><th class="n">CPU/msg</th><th class="n">allocs/msg</th><th>errors</th></tr></thead><tbody>
{{range .Perf}}<tr><td>{{.Workload}}</td><td>{{.Driver}}</td><td>{{.Transport}}</td><td>{{.Mode}}</td><td>{{.Topology}}</td><td>{{or .Security "null"}}</td><td class="n" data-v="{{.Size}}">{{size .Size}}</td><td class="n">{{.N}}</td><td class="n" data-v="{{raw .Msgs}}">{{num .Msgs "msgs/s"}}</td><td class="n" data-v="{{raw .MB}}">{{num .MB "MB/s"}}</td><td class="n" data-v="{{raw .P50}}">{{num .P50 "p50-ns"}}</td><td class="n" data-v="{{raw .P99}}">{{num .P99 "p99-ns"}}</td><td class="n" data-v="{{raw .P999}}">{{num .P999 "p99.9-ns"}}</td><td class="n" data-v="{{raw .Max}}">{{num .Max "max-ns"}}</td><td class="n" data-v="{{raw .CPU}}">{{num .CPU "cpu-ns"}}</td><td class="n" data-v="{{raw .Allocs}}">{{num .Allocs ""}}</td><td>{{if .Failed}}{{.Failed}} failed: {{join .Errors "; "}}{{end}}{{if .Skipped}}{{if .Failed}}; {{end}}not measured: {{index .Skipped 0}}{{end}}</td></tr>
{{end}}</tbody></table>{{end}}{{end}}

{{with .Comparison}}<h2 id="compare">Comparison{{if $.Baseline}} with {{$.Baseline}}{{end}}</h2>
<p>{{.Summary}}</p>
<table class="sortable" id="compare-table"><thead><tr><th>point</th><th>metric</th><th class="n">base</th><th class="n">new</th><th class="n">delta</th><th>p (Holm)</th><th></th></tr></thead><tbody>
{{range .Rows}}<tr class="{{if .Regression}}regression{{else if .Improvement}}improvement{{end}}"><td>{{.Point}}</td><td>{{.Metric.Unit}}</td><td class="n" data-v="{{raw .BaseCenter}}">{{num .BaseCenter .Metric.Unit}}</td><td class="n" data-v="{{raw .NewCenter}}">{{num .NewCenter .Metric.Unit}}</td><td class="n">{{.Delta}}</td><td>{{.PString}}</td><td>{{.Flag}}</td></tr>
{{end}}</tbody></table>{{end}}

<h2 id="run">Run</h2>
{{with .Meta}}<table class="meta">
<tr><td>started</td><td>{{.Started.UTC.Format "2006-01-02 15:04:05 UTC"}}</td></tr>
{{if .Host}}<tr><td>host</td><td>{{.Host}}</td></tr>{{end}}
{{if .CPUs}}<tr><td>CPUs</td><td>{{.CPUs}}{{if .CPUModel}} × {{.CPUModel}}{{end}}</td></tr>{{end}}
{{if .GOOS}}<tr><td>OS/arch</td><td>{{.GOOS}}/{{.GOARCH}}</td></tr>{{end}}
{{if .GoVersion}}<tr><td>Go</td><td>{{.GoVersion}}</td></tr>{{end}}
{{if .Commit}}<tr><td>commit</td><td>{{.Commit}}</td></tr>{{end}}
{{if .Command}}<tr><td>command</td><td><code>{{join .Command " "}}</code></td></tr>{{end}}
{{range $k, $v := .Drivers}}<tr><td>driver {{$k}}</td><td>{{$v}}</td></tr>{{end}}
<tr><td>status</td><td>{{if .Incomplete}}<strong>INCOMPLETE</strong>{{else}}complete{{end}}</td></tr>
</table>{{end}}
{{template "sortjs"}}
</body></html>
{{end}}

{{define "sortjs"}}<script>
// Sort a table by the clicked column: numbers by data-v when present,
// otherwise by text. Click again to reverse.
document.querySelectorAll("table.sortable th").forEach(function (th) {
  th.addEventListener("click", function () {
    var table = th.closest("table"), col = th.cellIndex, body = table.tBodies[0];
    var asc = th.getAttribute("data-dir") !== "asc";
    table.querySelectorAll("th").forEach(function (h) { h.removeAttribute("data-dir"); });
    th.setAttribute("data-dir", asc ? "asc" : "desc");
    // A numeric cell has data-v; an empty data-v is "not measured" and
    // sorts last either way.
    var key = function (row) {
      var c = row.cells[col], v = c.getAttribute("data-v");
      if (v === null) return c.textContent.trim().toLowerCase();
      return v === "" ? null : parseFloat(v);
    };
    var rows = Array.prototype.slice.call(body.rows);
    rows.sort(function (a, b) {
      var x = key(a), y = key(b);
      if (x === null || y === null) return (x === null) - (y === null);
      var r = (typeof x === "number" && typeof y === "number") ? x - y : String(x).localeCompare(String(y));
      return asc ? r : -r;
    });
    rows.forEach(function (r) { body.appendChild(r); });
  });
});
</script>{{end}}

{{define "case"}}<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>{{.Case.ID}} · {{.Title}}</title>
<link rel="icon" href="data:,">
{{template "style"}}</head><body>
<p><a href="../index.html#matrix">← back to the matrix</a></p>
<h1 id="case-title">{{.Case.ID}}</h1>
{{template "banner" .Incomplete}}
{{with .Case}}<table class="meta">
{{if .Title}}<tr><td>title</td><td>{{.Title}}</td></tr>{{end}}
<tr><td>requirement</td><td>{{.Require}}</td></tr>
<tr><td>clause</td><td>{{.Clause}}</td></tr>
<tr><td>grade</td><td>{{.Grade}}</td></tr>
<tr><td>pattern</td><td>{{.Pattern}}</td></tr>
{{if .Scenario}}<tr><td>scenario</td><td><code>{{.Scenario}}</code></td></tr>{{end}}
</table>
<p>{{range .Cells}}{{if .Records}}<a class="badge {{vclass .Verdict}}" href="#{{.Anchor}}">{{.Column}}: {{vshort .Verdict}}</a> {{end}}{{end}}</p>
{{range .Cells}}{{if .Records}}{{$cell := .}}<section class="cell" id="{{.Anchor}}">
<h2>{{.Column}} <span class="badge {{vclass .Verdict}}">{{.Verdict}}</span>{{if .Unexp}} <span class="badge v-fail">UNEXPECTED</span>{{end}}</h2>
{{range $i, $r := .Records}}{{if gt (len $cell.Records) 1}}<h3>record {{add1 $i}} of {{len $cell.Records}}</h3>{{end}}
<table class="meta">
<tr><td>verdict</td><td><span class="badge {{vclass .Verdict}}">{{.Verdict}}</span>{{if .FailKind}} ({{.FailKind}}){{end}}</td></tr>
{{if .Reason}}<tr><td>reason</td><td>{{.Reason}}</td></tr>{{end}}
<tr><td>subject / peer</td><td>{{.Subject}} / {{.Peer}}</td></tr>
{{if .ExpectedVerdict}}<tr><td>expectation</td><td>{{.ExpectedVerdict}} (ci/expectations.yaml){{if .Unexpected}} — <strong>this run differs</strong>{{end}}</td></tr>{{else if .Unexpected}}<tr><td>expectation</td><td><strong>unexpected</strong></td></tr>{{end}}
{{if .Expected}}<tr><td>expected</td><td>{{range .Expected}}<div>{{.}}</div>{{end}}</td></tr>{{end}}
{{if .Actual}}<tr><td>actual</td><td>{{.Actual}}</td></tr>{{end}}
<tr><td>duration</td><td>{{dur .Duration}}{{if not .Start.IsZero}} <span class="muted">(started {{.Start.UTC.Format "15:04:05.000"}})</span>{{end}}</td></tr>
</table>
{{if .Repro}}<p>Reproduce alone:</p><pre class="repro">{{.Repro}}</pre>{{end}}
{{if .Events}}<table class="events"><thead><tr><th class="n">at</th><th>role</th><th>op</th><th>detail</th><th>error</th></tr></thead><tbody>
{{range .Events}}<tr><td class="n">{{dur .At}}</td><td>{{.Role}}</td><td>{{.Op}}</td><td><code>{{.Detail}}</code></td><td>{{.Err}}</td></tr>
{{end}}</tbody></table>{{else}}<p class="muted">No events recorded.</p>{{end}}
{{end}}</section>
{{end}}{{end}}{{end}}
</body></html>
{{end}}
`
