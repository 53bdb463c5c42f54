package perf

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/goccy/go-yaml"

	"github.com/zharness/zharness/drivers"
)

// The security mechanisms a workload can be measured under (RFC 23 §
// "Security mechanisms"; PLAIN is RFC 24, CURVE RFC 26). Records carry
// the name in reports.Perf.Security, empty for NULL.
const (
	SecNull  = "null"
	SecPLAIN = "plain"
	SecCURVE = "curve"
)

// mechanisms lists every name a workload's security setting accepts.
var mechanisms = []string{SecNull, SecPLAIN, SecCURVE}

// secLabel is a mechanism as records and bench names carry it: empty for
// NULL so points measured before security existed keep their names.
func secLabel(mech string) string {
	if mech == SecNull {
		return ""
	}
	return mech
}

// present reports whether the YAML path at exists in the file (a key
// written with a null value exists; an absent key does not).
func (v *validator) present(at string) bool {
	yp, err := yaml.PathString(at)
	if err != nil {
		return false
	}
	n, err := yp.FilterFile(v.file)
	return err == nil && n != nil
}

// security checks a workload's security setting: one mechanism name or a
// list of distinct ones. A bare YAML null (absent value) is NULL.
func (v *validator) security(at string, raw any, kind Kind) []string {
	if raw == nil {
		return []string{SecNull}
	}
	items, list := raw.([]any)
	if !list {
		items = []any{raw}
	}
	if list && len(items) == 0 {
		v.errorf(at, "empty security list: want null, plain or curve, or a list of them")
		return []string{SecNull}
	}
	var out []string
	for i, it := range items {
		pos := at
		if list {
			pos = fmt.Sprintf("%s[%d]", at, i)
		}
		name := SecNull
		if it != nil {
			s, ok := it.(string)
			if !ok || !slices.Contains(mechanisms, s) {
				v.errorf(pos, "security %v: want null, plain or curve (lower case), or a list of them", it)
				continue
			}
			name = s
		}
		if slices.Contains(out, name) {
			v.errorf(pos, "security %s listed twice", name)
			continue
		}
		out = append(out, name)
	}
	if kind == Fanout && slices.ContainsFunc(out, func(m string) bool { return m != SecNull }) {
		v.errorf(at, "security applies to throughput and latency workloads only")
	}
	if len(out) == 0 {
		out = []string{SecNull}
	}
	return out
}

// secCreds are one mechanism's credentials for one run. The runner makes
// them in memory when a run first needs them; a peer process gets them
// through its environment (peerSecurityEnv), which, unlike the command
// line, other users cannot read, and nothing writes them to a file.
type secCreds struct {
	Mech string `json:"mech"`
	// CURVE: the server's and the client's long-term key pairs, Z85.
	ServerPublic string `json:"server_public,omitempty"`
	ServerSecret string `json:"server_secret,omitempty"`
	ClientPublic string `json:"client_public,omitempty"`
	ClientSecret string `json:"client_secret,omitempty"`
	// PLAIN: the client's name and password, which the server's ZAP
	// handler (where the driver has one) checks.
	Username string `json:"username,omitempty"`
	Password string `json:"password,omitempty"`
}

// peerSecurityEnv names the environment variable that carries a peer
// process's credentials as JSON.
const peerSecurityEnv = "ZHARNESS_PERF_SECURITY"

// zapDomain is the ZAP domain (RFC 27) a PLAIN server names.
const zapDomain = "zharness-perf"

// newCreds makes fresh credentials for mech: CURVE key pairs for server
// and client, or a random PLAIN user name and password.
func newCreds(mech string) (*secCreds, error) {
	c := &secCreds{Mech: mech}
	var err error
	switch mech {
	case SecCURVE:
		if c.ServerPublic, c.ServerSecret, err = drivers.NewCurveKeypair(); err != nil {
			return nil, err
		}
		if c.ClientPublic, c.ClientSecret, err = drivers.NewCurveKeypair(); err != nil {
			return nil, err
		}
	case SecPLAIN:
		c.Username, c.Password = "perf-"+randomHex(4), randomHex(16)
	default:
		return nil, fmt.Errorf("no credentials for mechanism %q", mech)
	}
	return c, nil
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24+)
	return hex.EncodeToString(b)
}

// optSet is one socket option to set.
type optSet struct {
	name  drivers.Option
	value any
}

// options returns what a server or client socket sets for the mechanism,
// before it binds or connects. The binding end is always the server.
func (c *secCreds) options(server bool, caps drivers.Capabilities) []optSet {
	switch {
	case c.Mech == SecCURVE && server:
		return []optSet{{drivers.CURVE_SERVER, 1}, {drivers.CURVE_SECRETKEY, c.ServerSecret}}
	case c.Mech == SecCURVE:
		return []optSet{{drivers.CURVE_SERVERKEY, c.ServerPublic},
			{drivers.CURVE_PUBLICKEY, c.ClientPublic}, {drivers.CURVE_SECRETKEY, c.ClientSecret}}
	case c.Mech == SecPLAIN && server:
		opts := []optSet{{drivers.PLAIN_SERVER, 1}}
		if caps.HasOption(drivers.ZAP_DOMAIN) {
			opts = append(opts, optSet{drivers.ZAP_DOMAIN, zapDomain})
		}
		return opts
	case c.Mech == SecPLAIN:
		return []optSet{{drivers.PLAIN_USERNAME, c.Username}, {drivers.PLAIN_PASSWORD, c.Password}}
	}
	return nil
}

// env is the credentials as a peerSecurityEnv=JSON environment entry.
func (c *secCreds) env() string {
	b, _ := json.Marshal(c) // strings only: cannot fail
	return peerSecurityEnv + "=" + string(b)
}

// credsFromEnv reads a peer's credentials for mech from the value of
// peerSecurityEnv.
func credsFromEnv(mech, value string) (*secCreds, error) {
	if value == "" {
		return nil, fmt.Errorf("security %s: %s is not set (the runner passes the credentials there)", mech, peerSecurityEnv)
	}
	var c secCreds
	if err := json.Unmarshal([]byte(value), &c); err != nil {
		return nil, fmt.Errorf("security %s: %s: %w", mech, peerSecurityEnv, err)
	}
	if c.Mech != mech {
		return nil, fmt.Errorf("security %s: %s holds %q credentials", mech, peerSecurityEnv, c.Mech)
	}
	return &c, nil
}

// secSkip says why driver name cannot be measured under mech over t, or
// "" when it can. A lookup failure is left for the measurement to report.
func secSkip(name, mech string, t drivers.Transport) string {
	if mech == SecNull {
		return ""
	}
	label := strings.ToUpper(mech)
	if t == drivers.Inproc {
		return fmt.Sprintf("%s does not apply over inproc: libzmq runs no ZMTP handshake there", label)
	}
	d, err := drivers.Lookup(name)
	if err != nil {
		return ""
	}
	if _, bulk := drivers.AsBulk(d); bulk {
		return fmt.Sprintf("%s measures through its own bulk loops, which run NULL only; "+
			"measure %s with a driver that uses Send/Recv (libzmq-binding is the same libzmq that way)", name, label)
	}
	feature := map[string]string{SecPLAIN: drivers.FeaturePLAIN, SecCURVE: drivers.FeatureCURVE}[mech]
	if !d.Capabilities().HasFeature(feature) {
		return fmt.Sprintf("%s does not offer %s (no %q feature)", name, label, feature)
	}
	return ""
}

// zapHandler answers RFC 27 requests for the PLAIN server of one context:
// 200 for the run's user name and password, 400 for anything else. libzmq
// refuses every PLAIN client unless such a handler says yes.
type zapHandler struct {
	sock       drivers.Socket
	user, pass string
	quit, done chan struct{}
}

// zapPoll bounds each Recv of the handler so that stop is seen promptly.
const zapPoll = 50 * time.Millisecond

// startZAP binds a handler at drivers.ZAPEndpoint in c and serves it
// until stop.
func startZAP(c drivers.Context, creds *secCreds) (*zapHandler, error) {
	s, err := c.NewSocket(drivers.REP)
	if err != nil {
		return nil, fmt.Errorf("ZAP handler: %w", err)
	}
	if err := s.Bind(drivers.ZAPEndpoint); err != nil {
		s.Close()
		return nil, fmt.Errorf("ZAP handler: %w", err)
	}
	z := &zapHandler{sock: s, user: creds.Username, pass: creds.Password,
		quit: make(chan struct{}), done: make(chan struct{})}
	go z.serve()
	return z, nil
}

func (z *zapHandler) serve() {
	defer close(z.done)
	for {
		select {
		case <-z.quit:
			return
		default:
		}
		ctx, cancel := context.WithTimeout(context.Background(), zapPoll)
		req, err := z.sock.Recv(ctx)
		cancel()
		if drivers.KindOf(err) == drivers.KindTimeout {
			continue
		}
		if err != nil {
			return // the socket is closed
		}
		ctx, cancel = context.WithTimeout(context.Background(), time.Second)
		err = z.sock.Send(ctx, z.reply(req))
		cancel()
		if err != nil {
			return
		}
	}
}

// reply builds the RFC 27 reply to req: version, request id, status code,
// status text, user id, metadata. A request is version, request id,
// domain, address, identity, mechanism, then the credentials.
func (z *zapHandler) reply(req drivers.Msg) drivers.Msg {
	if len(req) < 6 || string(req[0]) != "1.0" {
		return drivers.Msg{[]byte("1.0"), {}, []byte("500"), []byte("malformed request"), {}, {}}
	}
	status, text := "400", "denied"
	if string(req[5]) == "PLAIN" && len(req) == 8 && string(req[6]) == z.user && string(req[7]) == z.pass {
		status, text = "200", "OK"
	}
	return drivers.Msg{[]byte("1.0"), req[1], []byte(status), []byte(text), []byte(z.user), {}}
}

// stop ends the handler and closes its socket.
func (z *zapHandler) stop() {
	close(z.quit)
	<-z.done
	z.sock.Close()
}
