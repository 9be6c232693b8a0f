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
	elapsed, err := Parallel(clients, n, func(_, i int) error {
		resp, err := client.Do(mk(i))
		if err != nil {
			return err
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != want {
			return fmt.Errorf("status %d, want %d", resp.StatusCode, want)
		}
		return nil
	})
	if err != nil {
		tb.Fatal(err)
	}
	return elapsed
}

// Parallel calls op n times in total from workers goroutines; op gets its
// worker's index and the call's number (from 1). It stops at the first error
// and returns it, with the elapsed time.
func Parallel(workers, n int, op func(worker, i int) error) (time.Duration, error) {
	var next atomic.Int64
	var failed atomic.Value
	var wg sync.WaitGroup
	start := time.Now()
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for failed.Load() == nil {
				i := int(next.Add(1))
				if i > n {
					return
				}
				if err := op(w, i); err != nil {
					failed.CompareAndSwap(nil, err)
					return
				}
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	if err, _ := failed.Load().(error); err != nil {
		return elapsed, err
	}
	return elapsed, nil
}
