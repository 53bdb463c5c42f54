package agents

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// pyzmqSources is the agent program: one Python file using only the
// standard library and zmq.
//
//go:embed pyzmq/agent.py
var pyzmqSources embed.FS

// pyzmqDefaultPython is Debian's interpreter, the one python3-zmq is
// installed for; an interpreter found first on PATH (pyenv, a venv) often
// lacks zmq, so PATH is not searched.
const pyzmqDefaultPython = "/usr/bin/python3"

// pyzmqAgent drives pyzmq (and the libzmq it was built against) through
// drivers/agents/pyzmq/agent.py.
var pyzmqAgent = Agent{
	Name:    "pyzmq",
	Files:   pyzmqFiles(),
	Runtime: pyzmqRuntime,
	// Nothing to build: the interpreter runs the source as it is.
	Command: func(dir string, args ...string) *exec.Cmd {
		// -u: unbuffered, so every response reaches the client at once
		// (the agent flushes too); -B: write no .pyc into the cache.
		return exec.Command(pyzmqPython(), append([]string{"-u", "-B", filepath.Join(dir, "agent.py")}, args...)...)
	},
}

func init() { Register(pyzmqAgent) }

// pyzmqPython is $ZHARNESS_PYTHON, or Debian's /usr/bin/python3.
func pyzmqPython() string {
	if p := os.Getenv("ZHARNESS_PYTHON"); p != "" {
		return p
	}
	return pyzmqDefaultPython
}

// pyzmqRuntime checks that the interpreter runs and can import zmq, and
// says which is missing otherwise.
func pyzmqRuntime() error {
	py := pyzmqPython()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, py, "-c", "import zmq").CombinedOutput()
	if err != nil {
		return fmt.Errorf("pyzmq: %s cannot import zmq (install python3-zmq, or set ZHARNESS_PYTHON to a Python that has pyzmq): %w: %s",
			py, err, strings.TrimSpace(string(tail(out, 500))))
	}
	return nil
}

// pyzmqFiles roots the embedded sources at the agent's directory; they are
// embedded, so a failure is a build mistake.
func pyzmqFiles() fs.FS {
	sub, err := fs.Sub(pyzmqSources, "pyzmq")
	if err != nil {
		panic(err)
	}
	return sub
}
