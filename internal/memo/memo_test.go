package memo

import (
	"errors"
	"sync"
	"testing"
)

func TestGetComputesOnceAndBounds(t *testing.T) {
	c := New[int, string](2)
	calls := 0
	get := func(k int) string {
		v, err := c.Get(k, func() (string, error) { calls++; return string(rune('a' + k)), nil })
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	if get(0) != "a" || get(0) != "a" || calls != 1 {
		t.Fatalf("hit recomputed: %d calls", calls)
	}
	get(1)
	get(2) // full: starts afresh
	if len(c.m) > 2 {
		t.Fatalf("cache grew to %d entries, bound 2", len(c.m))
	}
	if _, err := c.Get(9, func() (string, error) { return "", errors.New("no") }); err == nil {
		t.Fatal("error not returned")
	}
	if _, ok := c.m[9]; ok {
		t.Fatal("error result was kept")
	}
}

func TestConcurrentGet(t *testing.T) {
	c := New[int, int](100)
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := range 500 {
				if v, _ := c.Get(k%150, func() (int, error) { return k % 150 * 2, nil }); v != k%150*2 {
					t.Errorf("worker %d: Get(%d) = %d", i, k%150, v)
				}
			}
		}()
	}
	wg.Wait()
}
