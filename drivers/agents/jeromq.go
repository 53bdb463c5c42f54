package agents

import (
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// jeromqSources is the agent program: Java sources compiled against the
// JeroMQ jar when the agent is prepared (never committed as classes).
//
//go:embed jeromq/*.java
var jeromqSources embed.FS

// jeromqDefaultJar is where Debian's libjeromq-java installs JeroMQ.
const jeromqDefaultJar = "/usr/share/java/jeromq.jar"

// jeromqJVMFlags make the JVM start fast, since one starts per context.
// Measured on this project's 2-core machine (time to the hello, and CPU
// time of a start and stop): about 17 % less CPU than the defaults. C1
// only (the agent is I/O bound; C2 compiles would compete for the cores),
// the serial collector (no GC threads to start), no perf-data file, and
// the JDK's class-data archive (-Xshare:auto, the default, named so that
// it stays). A dynamic CDS archive of the agent's and JeroMQ's ~110
// classes was tried and saved no measurable time, so it is not built.
// HotSpot's own output goes to stderr, where it cannot corrupt the frames:
// unified logging (-Xlog) and some VM messages default to stdout.
var jeromqJVMFlags = []string{
	"-XX:TieredStopAtLevel=1",
	"-XX:+UseSerialGC",
	"-XX:-UsePerfData",
	"-Xss512k",
	"-Xshare:auto",
	"-XX:+DisplayVMOutputToStderr",
	"-Xlog:disable", "-Xlog:all=warning:stderr",
}

// jeromqAgent drives JeroMQ, the pure-Java ZeroMQ, through
// drivers/agents/jeromq/*.java.
var jeromqAgent = Agent{
	Name:    "jeromq",
	Files:   jeromqFiles(),
	Runtime: jeromqRuntime,
	Prepare: jeromqPrepare,
	Recipe:  "javac -cp jeromq.jar, v1",
	Command: func(dir string, args ...string) *exec.Cmd {
		return exec.Command("java", append(jeromqJava(dir), args...)...)
	},
}

func init() { Register(jeromqAgent) }

// jeromqJar is $ZHARNESS_JEROMQ_JAR, or Debian's jar.
func jeromqJar() string {
	if p := os.Getenv("ZHARNESS_JEROMQ_JAR"); p != "" {
		return p
	}
	return jeromqDefaultJar
}

// jeromqRuntime checks for java, javac and the JeroMQ jar, naming what is
// missing.
func jeromqRuntime() error {
	var missing []string
	for _, tool := range []string{"java", "javac"} {
		if _, err := exec.LookPath(tool); err != nil {
			missing = append(missing, tool+" (install default-jdk-headless)")
		}
	}
	if st, err := os.Stat(jeromqJar()); err != nil || st.IsDir() {
		missing = append(missing, "the JeroMQ jar "+jeromqJar()+" (install libjeromq-java, or set ZHARNESS_JEROMQ_JAR)")
	}
	if len(missing) > 0 {
		return fmt.Errorf("jeromq: missing %s", strings.Join(missing, "; "))
	}
	return nil
}

// jeromqJava is the java command line that runs the agent compiled in
// dir, without the protocol's arguments.
func jeromqJava(dir string) []string {
	cp := dir + string(os.PathListSeparator) + jeromqJar()
	return append(append([]string{}, jeromqJVMFlags...), "-cp", cp, "Agent")
}

// jeromqPrepare compiles the sources into dir, against the JeroMQ jar.
func jeromqPrepare(dir string) error {
	srcs, err := filepath.Glob(filepath.Join(dir, "*.java"))
	if err != nil || len(srcs) == 0 {
		return errors.Join(errors.New("jeromq: no Java sources to compile"), err)
	}
	for i, s := range srcs {
		srcs[i] = filepath.Base(s)
	}
	return Run(dir, "javac", append([]string{"-nowarn", "-encoding", "UTF-8", "-cp", jeromqJar(), "-d", "."}, srcs...)...)
}

// jeromqFiles roots the embedded sources at the agent's directory; they are
// embedded, so a failure is a build mistake.
func jeromqFiles() fs.FS {
	sub, err := fs.Sub(jeromqSources, "jeromq")
	if err != nil {
		panic(err)
	}
	return sub
}
