// Package agents registers implementations in other languages (JeroMQ,
// pyzmq, zeromq.js) as drivers. Each is a small program of its own in
// drivers/agents/<name>/ that speaks the agent protocol
// (drivers/remote/PROTOCOL.md); the Go side embeds its sources, so an
// installed zharness binary carries them, materialises them into a cache
// directory keyed by their content, builds them there once (javac, npm ci)
// and starts one agent per context through drivers/remote.
//
// Agents are opt-in (drivers.RegisterOptIn): a JVM or Node.js process per
// context costs far more than an in-process driver, so default runs use
// gozmq and libzmq and an agent runs when named (--driver pyzmq). A missing
// runtime makes the driver unavailable with the reason, never a crash.
package agents

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"sync"
	"syscall"

	"github.com/zharness/zharness/drivers"
	"github.com/zharness/zharness/drivers/remote"
)

// Agent describes one agent program.
type Agent struct {
	// Name is the driver name users pass (--driver pyzmq).
	Name string
	// Files are the agent's sources, rooted at the agent's own directory.
	Files fs.FS
	// Runtime reports why the agent cannot run here (a missing interpreter
	// or library), or nil. It is checked before anything is built.
	Runtime func() error
	// Prepare builds the materialised sources in dir (compile, install
	// packages). It runs once per content hash, under a lock shared by
	// every zharness process. Nil when there is nothing to build.
	Prepare func(dir string) error
	// Command starts the agent from dir with the protocol's arguments.
	Command func(dir string, args ...string) *exec.Cmd
	// Recipe names the build recipe (bump it when Prepare changes): it is
	// part of the cache key with the sources, so a changed recipe builds
	// afresh instead of reusing the old build.
	Recipe string
}

// Register makes a an opt-in driver. The agent is probed (materialised,
// built, started once for its hello) on first lookup in each process.
func Register(a Agent) {
	var once sync.Once
	var d drivers.Driver
	var err error
	drivers.RegisterOptIn(a.Name, func() (drivers.Driver, error) {
		once.Do(func() { d, err = probe(a) })
		return d, err
	})
}

func probe(a Agent) (drivers.Driver, error) {
	if a.Runtime != nil {
		if err := a.Runtime(); err != nil {
			return nil, err
		}
	}
	dir, err := Prepared(a)
	if err != nil {
		return nil, err
	}
	return remote.NewAgent(a.Name, a.Name, func(args ...string) *exec.Cmd {
		return a.Command(dir, args...)
	})
}

// CacheRoot is where agents are materialised: $ZHARNESS_AGENT_CACHE, or
// zharness/agents under the user's cache directory.
func CacheRoot() (string, error) {
	if d := os.Getenv("ZHARNESS_AGENT_CACHE"); d != "" {
		return d, nil
	}
	base, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("agents: no cache directory (set ZHARNESS_AGENT_CACHE): %w", err)
	}
	return filepath.Join(base, "zharness", "agents"), nil
}

// Prepared returns the directory holding a's built sources, writing and
// building them first if this content has not been built yet.
func Prepared(a Agent) (string, error) {
	root, err := CacheRoot()
	if err != nil {
		return "", err
	}
	sum, err := contentHash(a.Files, a.Recipe)
	if err != nil {
		return "", fmt.Errorf("agents: %s sources: %w", a.Name, err)
	}
	dir := filepath.Join(root, a.Name+"-"+sum[:16])
	done := filepath.Join(dir, ".prepared")
	if _, err := os.Stat(done); err == nil {
		return dir, nil
	}
	if err := os.MkdirAll(root, 0o755); err != nil {
		return "", err
	}
	unlock, err := lockFile(filepath.Join(root, a.Name+".lock"))
	if err != nil {
		return "", err
	}
	defer unlock()
	if _, err := os.Stat(done); err == nil {
		return dir, nil // another process built it while we waited
	}
	// Build in a fresh directory and rename, so a half-built tree is never
	// taken for a prepared one.
	tmp := dir + ".building"
	_ = os.RemoveAll(tmp)
	if err := os.CopyFS(tmp, a.Files); err != nil {
		return "", fmt.Errorf("agents: write %s sources: %w", a.Name, err)
	}
	if a.Prepare != nil {
		if err := a.Prepare(tmp); err != nil {
			_ = os.RemoveAll(tmp)
			return "", fmt.Errorf("agents: build %s: %w", a.Name, err)
		}
	}
	if err := os.WriteFile(filepath.Join(tmp, ".prepared"), []byte(sum+"\n"), 0o644); err != nil {
		return "", err
	}
	_ = os.RemoveAll(dir)
	if err := os.Rename(tmp, dir); err != nil {
		return "", err
	}
	return dir, nil
}

// contentHash is the SHA-256 over the recipe and every file's path and
// contents.
func contentHash(fsys fs.FS, recipe string) (string, error) {
	var paths []string
	err := fs.WalkDir(fsys, ".", func(p string, e fs.DirEntry, err error) error {
		if err == nil && !e.IsDir() {
			paths = append(paths, p)
		}
		return err
	})
	if err != nil {
		return "", err
	}
	sort.Strings(paths)
	h := sha256.New()
	fmt.Fprintf(h, "recipe\x00%s\x00", recipe)
	for _, p := range paths {
		b, err := fs.ReadFile(fsys, p)
		if err != nil {
			return "", err
		}
		fmt.Fprintf(h, "%s\x00%d\x00", p, len(b))
		h.Write(b)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// lockFile takes an exclusive flock, so concurrent spec processes build an
// agent once; the kernel drops it if the holder dies.
func lockFile(path string) (func(), error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		f.Close()
		return nil, fmt.Errorf("agents: lock %s: %w", path, err)
	}
	return func() {
		_ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		f.Close()
	}, nil
}

// Run runs a build command with its output kept for the error.
func Run(dir, name string, args ...string) error {
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("%s %v: %w\n%s", name, args, err, tail(out, 2000))
	}
	return nil
}

func tail(b []byte, n int) []byte {
	if len(b) > n {
		return b[len(b)-n:]
	}
	return b
}
