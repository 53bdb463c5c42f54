package scenarios

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"strings"

	"github.com/goccy/go-yaml/ast"

	"github.com/zharness/zharness/drivers"
)

// Security material (FORMAT.md, "Security"). Nothing secret is written in
// a scenario: a case names the CURVE keypairs and PLAIN secrets it needs,
// and every run makes fresh ones, held in memory only, as variables:
//
//	keys: [server, client]   →  ${server_public} ${server_secret} (Z85 text, 40 octets)
//	                            ${server_public_bin} (the raw 32 octets, as ZAP carries them)
//	secrets: [password]      →  ${password} (16 random letters and digits)
//
// The endpoint name "zap" is the ZAP handler's fixed address
// (inproc://zeromq.zap.01, RFC 27) in the context of the role that binds
// it; such a role needs the zap feature on its driver.

// ZAPEndpointName is the symbolic endpoint that stands for drivers.ZAPEndpoint.
const ZAPEndpointName = "zap"

// SecretLen is the length of a generated secret, fixed so that wire cases
// can spell PLAIN's length-prefixed fields ("\x10${password}").
const SecretLen = 16

// decodeNames reads a list of variable-name stems (keys, secrets).
func (d *decoder) decodeNames(n ast.Node, what string) []string {
	var out []string
	for _, e := range d.seqOrOne(n) {
		s, ok := d.text(e, what)
		if !ok {
			continue
		}
		if !nameRe.MatchString(s) {
			d.errorf(e, "%s: expected a lower-case identifier such as server, found %q", what, clip(s))
			continue
		}
		if contains(out, s) {
			d.errorf(e, "%s: %s listed twice", what, s)
		}
		out = append(out, s)
	}
	return out
}

// makeSecurityVars generates the case's keys and secrets into vars.
func makeSecurityVars(c *Case, vars map[string][]byte) error {
	for _, k := range c.Keys {
		pub, sec, err := drivers.NewCurveKeypair()
		if err != nil {
			return fmt.Errorf("generate CURVE keypair %s: %w", k, err)
		}
		bin, err := drivers.Z85Decode(pub)
		if err != nil {
			return err
		}
		vars[k+"_public"], vars[k+"_secret"], vars[k+"_public_bin"] = []byte(pub), []byte(sec), bin
	}
	for _, s := range c.Secrets {
		vars[s] = randomToken(SecretLen)
	}
	return nil
}

// randomToken is n random letters and digits.
func randomToken(n int) []byte {
	const alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24+)
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return b
}

// redact replaces the run's generated secrets (PLAIN secrets, CURVE
// secret keys) in an event's text by their variable names, so results
// files and reports never hold them, even where a ZAP request carries a
// password in clear. The list is fixed before anything runs.
func (r *runner) redact(s string) string {
	for _, sv := range r.secrets {
		s = strings.ReplaceAll(s, sv.value, "${"+sv.name+"}")
	}
	return s
}

// secretValue is one generated secret and its variable name.
type secretValue struct{ name, value string }

// secretValues lists the generated secrets of c found in vars.
func secretValues(c *Case, vars map[string][]byte) []secretValue {
	var out []secretValue
	names := append([]string(nil), c.Secrets...)
	for _, k := range c.Keys {
		names = append(names, k+"_secret")
	}
	for _, n := range names {
		if v := vars[n]; len(v) > 0 {
			// Also as hex, the form wire events show command data in.
			out = append(out, secretValue{n, string(v)}, secretValue{n, hex.EncodeToString(v)})
		}
	}
	return out
}

// secretOption says whether an option's value must stay out of the event
// log (and so out of results files and reports).
func secretOption(o drivers.Option) bool {
	return o == drivers.CURVE_SECRETKEY || o == drivers.PLAIN_PASSWORD
}

// bindsZAP reports whether role binds the ZAP handler endpoint.
func (r *Role) bindsZAP() bool { return contains(r.Bind, ZAPEndpointName) }

// securityMissing adds what the gate must report for role on caps.
func securityMissing(role *Role, caps drivers.Capabilities, driver string) []string {
	var missing []string
	if role.bindsZAP() && !caps.HasFeature(drivers.FeatureZAP) {
		missing = append(missing, driver+": ZAP handler (zap)")
	}
	if strings.Contains(strings.Join(role.Connect, " "), ZAPEndpointName) && !caps.HasFeature(drivers.FeatureZAP) {
		missing = append(missing, driver+": ZAP handler (zap)")
	}
	return missing
}
