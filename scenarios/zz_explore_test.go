package scenarios

import (
	"fmt"
	"os"
	"strings"
	"testing"
	"time"
)

func TestZZExplore(t *testing.T) {
	for _, f := range strings.Split(os.Getenv("ZZ"), ",") {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		t0 := time.Now()
		_, err = Decode(f, data)
		fmt.Printf("== %s (%v)\n%v\n", f, time.Since(t0), err)
	}
}
