package drivers

import (
	"fmt"
	"sort"
	"strings"
	"sync"
)

// Factory builds a driver. It returns an error when the implementation is
// unavailable on this machine (e.g. a missing runtime), with the reason.
type Factory func() (Driver, error)

// Resolver builds a driver from a parameterised name such as
// "faulty:drop=3/libzmq"; it is consulted for names containing ':'.
type Resolver func(name string) (Driver, error)

// registration is one named driver.
type registration struct {
	factory Factory
	hidden  bool
	optIn   bool
}

var registry = struct {
	sync.Mutex
	byName    map[string]registration
	resolvers map[string]Resolver
}{byName: map[string]registration{}, resolvers: map[string]Resolver{}}

// Register adds a driver under name. Drivers register themselves in init.
func Register(name string, f Factory) { register(name, registration{factory: f}) }

// RegisterHidden adds a driver that Lookup finds but Names does not list
// (test drivers such as faulty).
func RegisterHidden(name string, f Factory) {
	register(name, registration{factory: f, hidden: true})
}

// RegisterOptIn adds a listed driver that default runs leave out: one
// that is costly to start (an agent in another runtime), run when named.
func RegisterOptIn(name string, f Factory) {
	register(name, registration{factory: f, optIn: true})
}

// IsOptIn reports whether name was registered with RegisterOptIn.
func IsOptIn(name string) bool {
	registry.Lock()
	defer registry.Unlock()
	return registry.byName[name].optIn
}

func register(name string, r registration) {
	registry.Lock()
	defer registry.Unlock()
	if _, dup := registry.byName[name]; dup {
		panic("drivers: duplicate registration of " + name)
	}
	registry.byName[name] = r
}

// RegisterResolver handles names of the form "prefix:...".
func RegisterResolver(prefix string, r Resolver) {
	registry.Lock()
	defer registry.Unlock()
	registry.resolvers[prefix] = r
}

// Names returns the listed (non-hidden) driver names, sorted.
func Names() []string {
	registry.Lock()
	defer registry.Unlock()
	var names []string
	for n, r := range registry.byName {
		if !r.hidden {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	return names
}

// Lookup builds the driver called name. An unknown name gives an error that
// lists the valid ones.
func Lookup(name string) (Driver, error) {
	registry.Lock()
	r, ok := registry.byName[name]
	var res Resolver
	if prefix, _, found := strings.Cut(name, ":"); found {
		res = registry.resolvers[prefix]
	}
	registry.Unlock()
	switch {
	case ok:
		d, err := r.factory()
		if err != nil {
			return nil, fmt.Errorf("driver %s is unavailable: %w", name, err)
		}
		return d, nil
	case res != nil:
		return res(name)
	}
	return nil, fmt.Errorf("unknown driver %q (valid: %s)", name, strings.Join(Names(), ", "))
}
