package testenv

import (
	"fmt"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// Load sends n requests made by mk (numbered from 1) from clients
// goroutines over client, fails tb on any transport error or status other
// than want, and returns the elapsed time. Benchmarks use it to compare
// servers under the same concurrent load.
func Load(tb testing.TB, client *http.Client, clients, n, want int, mk func(i int) *http.Request) time.Duration {
	var next atomic.Int64
	var failed atomic.Value
	var wg sync.WaitGroup
	start := time.Now()
	for range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1))
				if i > n {
					return
				}
				resp, err := client.Do(mk(i))
				if err != nil {
					failed.Store(err.Error())
					return
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != want {
					failed.Store(fmt.Sprintf("status %d, want %d", resp.StatusCode, want))
					return
				}
			}
		}()
	}
	wg.Wait()
	if msg := failed.Load(); msg != nil {
		tb.Fatal(msg)
	}
	return time.Since(start)
}
