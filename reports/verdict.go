package reports

import (
	"encoding/json"
	"fmt"
)

// Verdict is the graded outcome of one conformance spec (decisions.md,
// ruling 1). There is no SKIP: a case that cannot run is UNIMPLEMENTED
// (missing capability) or N/A (a combination that cannot exist).
type Verdict string

// The verdicts.
const (
	Pass          Verdict = "PASS"
	Fail          Verdict = "FAIL"
	NonStrict     Verdict = "NON-STRICT"
	Informational Verdict = "INFORMATIONAL"
	Unimplemented Verdict = "UNIMPLEMENTED"
	NotApplicable Verdict = "N/A"
)

// AllVerdicts lists the verdicts in display order.
var AllVerdicts = []Verdict{Pass, Fail, NonStrict, Informational, Unimplemented, NotApplicable}

// ParseVerdict accepts a verdict name as written.
func ParseVerdict(s string) (Verdict, error) {
	for _, v := range AllVerdicts {
		if string(v) == s {
			return v, nil
		}
	}
	return "", fmt.Errorf("unknown verdict %q (valid: PASS, FAIL, NON-STRICT, INFORMATIONAL, UNIMPLEMENTED, N/A)", s)
}

// UnmarshalJSON rejects unknown verdicts so a corrupted file is noticed.
func (v *Verdict) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	p, err := ParseVerdict(s)
	if err != nil {
		return err
	}
	*v = p
	return nil
}

// Grade is the strength of a requirement: it decides the verdict when the
// requirement is violated.
type Grade string

// The grades (behaviours.md §1).
const (
	Must   Grade = "MUST"   // violated → FAIL
	Should Grade = "SHOULD" // violated → NON-STRICT
	May    Grade = "MAY"    // any outcome → INFORMATIONAL
)

// ViolationVerdict maps a grade to the verdict a violation earns.
func (g Grade) ViolationVerdict() Verdict {
	switch g {
	case Must:
		return Fail
	case Should:
		return NonStrict
	}
	return Informational
}

// FailKind says how a FAIL came about.
type FailKind string

// The failure kinds.
const (
	KindMismatch FailKind = "mismatch" // something arrived, but not what was required
	KindTimeout  FailKind = "timeout"  // what was required did not arrive in time
	KindError    FailKind = "error"    // a call failed that must succeed
	KindCrash    FailKind = "crash"    // the implementation's process died
	KindHang     FailKind = "hang"     // the implementation stopped answering
)
