package scenarios

import (
	"strings"
	"testing"
)

// TestSecurityVarsAndRedaction: keys and secrets are fresh per run, of
// the documented shapes, and their secret parts never reach the log.
func TestSecurityVarsAndRedaction(t *testing.T) {
	c := &Case{Keys: []string{"server"}, Secrets: []string{"password"}}
	a, b := map[string][]byte{}, map[string][]byte{}
	if err := makeSecurityVars(c, a); err != nil {
		t.Fatal(err)
	}
	if err := makeSecurityVars(c, b); err != nil {
		t.Fatal(err)
	}
	if len(a["server_public"]) != 40 || len(a["server_secret"]) != 40 || len(a["server_public_bin"]) != 32 || len(a["password"]) != SecretLen {
		t.Fatalf("shapes: public %d secret %d bin %d password %d", len(a["server_public"]), len(a["server_secret"]), len(a["server_public_bin"]), len(a["password"]))
	}
	if string(a["server_secret"]) == string(b["server_secret"]) || string(a["password"]) == string(b["password"]) {
		t.Fatal("two runs got the same secret material")
	}
	r := &runner{c: c, secrets: secretValues(c, a)}
	line := r.redact(`recv ["PLAIN", "alice", "` + string(a["password"]) + `"] key ` + string(a["server_secret"]) + ` pub ` + string(a["server_public"]))
	if strings.Contains(line, string(a["password"])) || strings.Contains(line, string(a["server_secret"])) {
		t.Fatalf("secret in the log: %s", line)
	}
	if !strings.Contains(line, "${password}") || !strings.Contains(line, "${server_secret}") || !strings.Contains(line, string(a["server_public"])) {
		t.Fatalf("redacted line lost its shape: %s", line)
	}
}
