package storetest

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/streamfront/streamfront/internal/store"
)

// racers is how many goroutines contend in each race.
const racers = 16

// race runs fn(i, h) for i in [0, racers) at the same moment, racer i on
// handle a or b by turns, and returns the errors by i.
func race(a, b store.Store, fn func(i int, s store.Store) error) []error {
	errs := make([]error, racers)
	var ready, done sync.WaitGroup
	start := make(chan struct{})
	for i := range racers {
		ready.Add(1)
		done.Add(1)
		go func() {
			defer done.Done()
			ready.Done()
			<-start
			errs[i] = fn(i, []store.Store{a, b}[i%2])
		}()
	}
	ready.Wait()
	close(start)
	done.Wait()
	return errs
}

// oneWinner fails unless exactly one error is nil and every other one is
// accepted by loser; it returns the winner's index.
func oneWinner(t *testing.T, errs []error, loser func(error) bool) int {
	t.Helper()
	winner := -1
	for i, err := range errs {
		switch {
		case err == nil && winner >= 0:
			t.Fatalf("racers %d and %d both succeeded", winner, i)
		case err == nil:
			winner = i
		case !loser(err):
			t.Fatalf("racer %d failed with an unexpected error: %v", i, err)
		}
	}
	if winner < 0 {
		t.Fatalf("no racer succeeded: %v", errs)
	}
	return winner
}

func is(target error) func(error) bool { return func(err error) bool { return errors.Is(err, target) } }

func isAliasConflict(err error) bool {
	var ac *store.AliasConflictError
	return errors.As(err, &ac)
}

var concurrencyBehaviours = []twoHandleBehaviour{
	{"Concurrent/SameAliasExactlyOneCreateWins", func(t *testing.T, s, other store.Store) {
		ds := make([]*store.Distribution, racers)
		for i := range ds {
			ds[i] = newDist([]string{acctA, acctB}[i%2], fmt.Sprintf("own%d.example.com", i), casing("race.example.com", i))
		}
		errs := race(s, other, func(i int, s store.Store) error { return s.CreateDistribution(ctx(t), ds[i], nil, quota) })
		w := oneWinner(t, errs, isAliasConflict)
		got, err := s.FindDistributionByHost(ctx(t), "race.example.com")
		noErr(t, "find raced alias", err)
		sameDist(t, got, ds[w])
		// Losers left nothing behind, not even their uncontested alias.
		for i, d := range ds {
			if _, err := s.FindDistributionByHost(ctx(t), fmt.Sprintf("own%d.example.com", i)); (err == nil) != (i == w) {
				t.Fatalf("alias of racer %d (winner %d): find error %v", i, w, err)
			}
			if _, err := s.GetDistribution(ctx(t), d.Account, d.ID); (err == nil) != (i == w) {
				t.Fatalf("racer %d (winner %d): get error %v", i, w, err)
			}
		}
	}},
	{"Concurrent/SameAliasExactlyOneUpdateWins", func(t *testing.T, s, other store.Store) {
		ds := make([]*store.Distribution, racers)
		for i := range ds {
			ds[i] = newDist(acctA)
			mustCreate(t, s, ds[i])
		}
		errs := race(s, other, func(i int, s store.Store) error {
			u := *ds[i]
			u.ETag, u.Aliases = newID(), []string{casing("contested.example.com", i)}
			return s.UpdateDistribution(ctx(t), &u, ds[i].ETag)
		})
		w := oneWinner(t, errs, isAliasConflict)
		got, err := s.FindDistributionByHost(ctx(t), "contested.example.com")
		noErr(t, "find raced alias", err)
		if got.ID != ds[w].ID {
			t.Fatalf("alias belongs to %s, winner was %s", got.ID, ds[w].ID)
		}
	}},
	{"Concurrent/SameIfMatchExactlyOneUpdateWins", func(t *testing.T, s, other store.Store) {
		d := newDist(acctA)
		mustCreate(t, s, d)
		updates := make([]store.Distribution, racers)
		errs := race(s, other, func(i int, s store.Store) error {
			updates[i] = *d
			updates[i].ETag, updates[i].Config = newID(), []byte(fmt.Sprintf(`{"writer":%d}`, i))
			return s.UpdateDistribution(ctx(t), &updates[i], d.ETag)
		})
		w := oneWinner(t, errs, is(store.ErrPreconditionFailed))
		sameDist(t, mustGet(t, s, acctA, d.ID), &updates[w])
	}},
	{"Concurrent/SameIfMatchExactlyOneDeleteWins", func(t *testing.T, s, other store.Store) {
		d := newDist(acctA)
		mustCreate(t, s, d)
		errs := race(s, other, func(i int, s store.Store) error {
			if i%2 == 0 {
				return s.DeleteDistribution(ctx(t), acctA, d.ID, d.ETag)
			}
			u := *d
			u.ETag = newID()
			return s.UpdateDistribution(ctx(t), &u, d.ETag)
		})
		w := oneWinner(t, errs, func(err error) bool {
			return errors.Is(err, store.ErrPreconditionFailed) || errors.Is(err, store.ErrNotFound)
		})
		_, err := s.GetDistribution(ctx(t), acctA, d.ID)
		if deleted := w%2 == 0; deleted != errors.Is(err, store.ErrNotFound) {
			t.Fatalf("winner %d (delete: %v) but get says %v", w, deleted, err)
		}
	}},
	{"Concurrent/ReadModifyWriteLosesNoUpdate", func(t *testing.T, s, other store.Store) {
		d := newDist(acctA)
		d.Config = []byte("0")
		mustCreate(t, s, d)
		const perWriter = 5
		errs := race(s, other, func(_ int, s store.Store) error {
			for done := 0; done < perWriter; {
				cur, err := s.GetDistribution(ctx(t), acctA, d.ID)
				if err != nil {
					return err
				}
				n, _ := strconv.Atoi(string(cur.Config))
				u := *cur
				u.ETag, u.Config = newID(), []byte(strconv.Itoa(n+1))
				switch err := s.UpdateDistribution(ctx(t), &u, cur.ETag); {
				case err == nil:
					done++
				case !errors.Is(err, store.ErrPreconditionFailed):
					return err
				}
			}
			return nil
		})
		for i, err := range errs {
			noErr(t, fmt.Sprintf("writer %d", i), err)
		}
		got := mustGet(t, s, acctA, d.ID)
		if want := strconv.Itoa(racers * perWriter); string(got.Config) != want || got.Version != int64(1+racers*perWriter) {
			t.Fatalf("counter %s version %d after %s increments", got.Config, got.Version, want)
		}
	}},
	{"Concurrent/LastQuotaSlotExactlyOneCreateWins", func(t *testing.T, s, other store.Store) {
		const q = 5
		for range q - 1 {
			noErr(t, "fill", s.CreateDistribution(ctx(t), newDist(acctA), nil, q))
		}
		errs := race(s, other, func(_ int, s store.Store) error { return s.CreateDistribution(ctx(t), newDist(acctA), nil, q) })
		oneWinner(t, errs, is(store.ErrQuotaExceeded))
		ds, err := s.ListDistributions(ctx(t), acctA, "", 100)
		noErr(t, "list", err)
		if len(ds) != q {
			t.Fatalf("%d distributions under quota %d", len(ds), q)
		}
	}},
	{"Concurrent/LastOAIQuotaSlotExactlyOneCreateWins", func(t *testing.T, s, other store.Store) {
		const q = 3
		for range q - 1 {
			noErr(t, "fill", s.CreateOAI(ctx(t), newOAI(acctA), q))
		}
		errs := race(s, other, func(_ int, s store.Store) error { return s.CreateOAI(ctx(t), newOAI(acctA), q) })
		oneWinner(t, errs, is(store.ErrQuotaExceeded))
		os, err := s.ListOAIs(ctx(t), acctA, "", 100)
		noErr(t, "list", err)
		if len(os) != q {
			t.Fatalf("%d OAIs under quota %d", len(os), q)
		}
	}},
	{"Concurrent/SameCallerReferenceExactlyOneCreateWins", func(t *testing.T, s, other store.Store) {
		errs := race(s, other, func(_ int, s store.Store) error {
			d := newDist(acctA)
			d.CallerReference = "same-ref"
			return s.CreateDistribution(ctx(t), d, nil, quota)
		})
		oneWinner(t, errs, is(store.ErrCallerReferenceExists))
		oerrs := race(s, other, func(_ int, s store.Store) error {
			o := newOAI(acctA)
			o.CallerReference = "same-ref"
			return s.CreateOAI(ctx(t), o, quota)
		})
		oneWinner(t, oerrs, is(store.ErrCallerReferenceExists))
	}},
	{"Concurrent/OAIDeleteAndReferencingCreateNeverBothWin", func(t *testing.T, s, other store.Store) {
		for round := range 8 {
			o := newOAI(acctA)
			mustCreateOAI(t, s, o)
			d := newDist(acctA)
			d.OAIID = o.ID
			var delErr, createErr error
			var wg sync.WaitGroup
			wg.Add(2)
			go func() { defer wg.Done(); delErr = s.DeleteOAI(ctx(t), acctA, o.ID, o.ETag) }()
			go func() { defer wg.Done(); createErr = other.CreateDistribution(ctx(t), d, nil, quota) }()
			wg.Wait()
			deleteWon := delErr == nil && errors.Is(createErr, store.ErrOAINotFound)
			createWon := createErr == nil && errors.Is(delErr, store.ErrInUse)
			if !deleteWon && !createWon {
				t.Fatalf("round %d: delete OAI: %v, create referencing it: %v", round, delErr, createErr)
			}
		}
	}},
	{"Concurrent/TagLimitHoldsUnderConcurrentTagging", func(t *testing.T, s, other store.Store) {
		d := newDist(acctA)
		mustCreate(t, s, d)
		const limit = racers / 2
		errs := race(s, other, func(i int, s store.Store) error {
			return s.TagDistribution(ctx(t), acctA, d.ID, []store.Tag{{Key: fmt.Sprintf("k%02d", i), Value: "v"}}, limit)
		})
		won := 0
		for i, err := range errs {
			switch {
			case err == nil:
				won++
			case !errors.Is(err, store.ErrTooManyTags):
				t.Fatalf("tagger %d: %v", i, err)
			}
		}
		tags, err := s.ListTags(ctx(t), acctA, d.ID)
		noErr(t, "list tags", err)
		if won != limit || len(tags) != limit {
			t.Fatalf("%d taggers won, %d tags stored, limit %d", won, len(tags), limit)
		}
	}},
}

// casing returns s with the letters at positions i%len(s) and after upper-cased,
// so racers spell one alias differently.
func casing(s string, i int) string {
	k := i % len(s)
	return s[:k] + strings.ToUpper(s[k:])
}
