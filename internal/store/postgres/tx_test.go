package postgres

import (
	"errors"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/streamfront/streamfront/internal/store/postgres/pgtest"
)

// raise makes the transaction fail with SQLSTATE code, as PostgreSQL does
// when it aborts a transaction to break a deadlock (40P01) or a
// serialization conflict (40001).
func raise(t *testing.T, tx pgx.Tx, code string) error {
	_, err := tx.Exec(t.Context(), `DO $$ BEGIN RAISE EXCEPTION 'injected' USING ERRCODE = '`+code+`'; END $$`)
	return err
}

func TestTxRetriesDeadlocksAndSerializationFailures(t *testing.T) {
	s, err := Open(t.Context(), pgtest.DSN(t))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for _, code := range []string{codeDeadlockDetected, codeSerializationFailure} {
		attempts := 0
		err := s.tx(t.Context(), func(tx pgx.Tx) error {
			attempts++
			if attempts < 3 {
				return raise(t, tx, code)
			}
			return nil
		})
		if err != nil || attempts != 3 {
			t.Fatalf("%s: %d attempts, error %v; want success on the third", code, attempts, err)
		}
	}
	attempts := 0
	err = s.tx(t.Context(), func(tx pgx.Tx) error { attempts++; return raise(t, tx, codeDeadlockDetected) })
	if code, _ := pgCode(err); code != codeDeadlockDetected || attempts != maxAttempts {
		t.Fatalf("persistent deadlock: %d attempts, error %v; want %d attempts and the deadlock", attempts, err, maxAttempts)
	}
	attempts = 0
	err = s.tx(t.Context(), func(tx pgx.Tx) error { attempts++; return raise(t, tx, codeUniqueViolation) })
	if code, _ := pgCode(err); code != codeUniqueViolation || attempts != 1 {
		t.Fatalf("unique violation: %d attempts, error %v; want 1 attempt", attempts, err)
	}
	attempts = 0
	sentinel := errors.New("not a database error")
	if err := s.tx(t.Context(), func(pgx.Tx) error { attempts++; return sentinel }); err != sentinel || attempts != 1 {
		t.Fatalf("plain error: %d attempts, error %v", attempts, err)
	}
}
