package agents

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// zeromqjsSources is the agent program and its npm manifest and lock file.
// Files are named one by one so that a node_modules left in the source
// tree by a manual npm install is never embedded.
//
//go:embed zeromqjs/agent.js zeromqjs/package.json zeromqjs/package-lock.json
var zeromqjsSources embed.FS

// zeromqjsAgent drives zeromq.js (the npm package "zeromq", pinned in
// zeromqjs/package.json, with the libzmq it bundles) through
// drivers/agents/zeromqjs/agent.js.
var zeromqjsAgent = Agent{
	Name:    "zeromqjs",
	Files:   zeromqjsFiles(),
	Runtime: zeromqjsRuntime,
	Prepare: zeromqjsPrepare,
	Recipe:  "npm ci; require zeromq, v1",
	Command: func(dir string, args ...string) *exec.Cmd {
		cmd := exec.Command("node", append([]string{filepath.Join(dir, "agent.js")}, args...)...)
		cmd.Dir = dir
		return cmd
	},
}

func init() { Register(zeromqjsAgent) }

// zeromqjsRuntime checks that node runs and npm is present (Prepare needs
// it), and says which is missing otherwise.
func zeromqjsRuntime() error {
	for _, tool := range []string{"node", "npm"} {
		if _, err := exec.LookPath(tool); err != nil {
			return fmt.Errorf("zeromqjs: %s not found on PATH (install Node.js with npm): %w", tool, err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, "node", "--version").CombinedOutput()
	if err != nil {
		return fmt.Errorf("zeromqjs: node --version failed: %w: %s", err, strings.TrimSpace(string(tail(out, 500))))
	}
	return nil
}

// zeromqjsPrepare installs the locked packages (zeromq ships prebuilt
// addons for common platforms, so no compiler is needed there), then loads
// the addon once so that a platform without a prebuilt binary fails here,
// with npm's and Node's own words, rather than at the first context.
func zeromqjsPrepare(dir string) error {
	if err := Run(dir, "npm", "ci", "--no-audit", "--no-fund"); err != nil {
		return err
	}
	return Run(dir, "node", "-e", "require('zeromq')")
}

// zeromqjsFiles roots the embedded sources at the agent's directory; they
// are embedded, so a failure is a build mistake.
func zeromqjsFiles() fs.FS {
	sub, err := fs.Sub(zeromqjsSources, "zeromqjs")
	if err != nil {
		panic(err)
	}
	return sub
}
