package sqlite_test

import (
	"testing"

	"github.com/streamfront/streamfront/internal/store"
	"github.com/streamfront/streamfront/internal/store/sqlite"
	"github.com/streamfront/streamfront/internal/store/storetest"
)

// TestConformance runs the store suite; its racers use two handles onto one
// database file, as `serve` and `streamfront edge` sharing --data-dir do.
func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) func() store.Store {
		dir := t.TempDir()
		return func() store.Store {
			s, err := sqlite.Open(dir)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { s.Close() })
			return s
		}
	})
}

// TestConformanceOwner runs the one-handle behaviours on a store opened
// with OpenOwner, which serves repeated reads from its read cache.
func TestConformanceOwner(t *testing.T) {
	storetest.RunSingle(t, func(t *testing.T) func() store.Store {
		dir := t.TempDir()
		return func() store.Store {
			s, err := sqlite.OpenOwner(dir)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { s.Close() })
			return s
		}
	})
}
