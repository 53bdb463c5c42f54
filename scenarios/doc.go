// Package scenarios loads declarative conformance cases (YAML) and runs
// them against drivers.
//
// A case names the clause it checks, the grade of that clause, the sockets
// it needs (roles), the role whose behaviour is judged (subject) and an
// ordered list of steps. Load validates every file strictly and reports all
// problems with file:line:col; Run executes one case for one pairing and
// transport under deadlines and returns a graded reports.Record.
//
// The format is described in scenarios/FORMAT.md.
package scenarios
