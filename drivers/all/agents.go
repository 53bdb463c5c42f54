package all

import (
	_ "github.com/zharness/zharness/drivers/agents" // opt-in: jeromq, pyzmq, zeromqjs as agent processes
)
