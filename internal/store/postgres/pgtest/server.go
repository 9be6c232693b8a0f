package pgtest

import (
	"context"
	"fmt"
	"net"
	"os"
	osexec "os/exec"
	"path/filepath"
	"sort"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/streamfront/streamfront/internal/testenv"
)

// Server is a PostgreSQL cluster of one test's own, for tests that crash or
// restart the database (the shared STREAMFRONT_TEST_POSTGRES cluster must
// stay up for every other test). It is stopped and removed when the test ends.
type Server struct {
	DSN  string
	bin  string // directory of initdb, pg_ctl
	dir  string // holds data/, log and the unix socket
	port string
}

// StartServer runs initdb and starts a cluster on a free loopback port, as
// scripts/pg-throwaway.sh does. Without the PostgreSQL server binaries the test
// is skipped, or fails when STREAMFRONT_REQUIRE_ALL=1.
func StartServer(t testing.TB) *Server {
	t.Helper()
	bins, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	if len(bins) == 0 {
		if os.Getenv("STREAMFRONT_REQUIRE_ALL") == "1" {
			t.Fatal("the PostgreSQL server (initdb, pg_ctl) is required (install it: see .ci/run)")
		}
		t.Skip("PostgreSQL server binaries not installed")
	}
	sort.Strings(bins)
	dir, err := os.MkdirTemp("", "streamfront-pgtest")
	if err != nil {
		t.Fatal(err)
	}
	s := &Server{bin: bins[len(bins)-1], dir: dir}
	// PostgreSQL refuses to run as root: then its files belong to the postgres user.
	if os.Getuid() == 0 {
		if out, err := osexec.Command("chown", "postgres", dir).CombinedOutput(); err != nil {
			t.Fatalf("chown postgres %s: %v\n%s", dir, err, out)
		}
	}
	t.Cleanup(func() {
		s.pgCtl("stop", "-m", "immediate")
		os.RemoveAll(dir)
	})
	if out, err := s.run("initdb", "-D", s.data(), "-U", "streamfront", "--auth=trust"); err != nil {
		t.Fatalf("initdb: %v\n%s", err, out)
	}
	// A port free a moment ago may be taken by the time PostgreSQL binds it.
	for range 5 {
		_, s.port, _ = net.SplitHostPort(testenv.FreeAddr(t))
		if err := s.start(); err == nil {
			s.DSN = "postgres://streamfront@127.0.0.1:" + s.port + "/postgres?sslmode=disable"
			return s
		}
	}
	log, _ := os.ReadFile(filepath.Join(dir, "log"))
	t.Fatalf("could not start PostgreSQL:\n%s", log)
	return nil
}

// Crash stops the cluster the way a crash or a failover looks to a client:
// every connection drops at once, without a shutdown checkpoint.
func (s *Server) Crash(t testing.TB) {
	t.Helper()
	if out, err := s.pgCtl("stop", "-m", "immediate"); err != nil {
		t.Fatalf("pg_ctl stop: %v\n%s", err, out)
	}
}

// Start starts the cluster again on the same port after Crash; PostgreSQL
// recovers committed transactions from its write-ahead log.
func (s *Server) Start(t testing.TB) {
	t.Helper()
	if err := s.start(); err != nil {
		t.Fatal(err)
	}
}

// Restart is `pg_ctl restart -m immediate`: a crash and an immediate
// restart, the shortest outage a failover causes.
func (s *Server) Restart(t testing.TB) {
	t.Helper()
	if out, err := s.pgCtl(append([]string{"restart", "-m", "immediate"}, s.startArgs()...)...); err != nil {
		t.Fatalf("pg_ctl restart: %v\n%s", err, out)
	}
}

// QueryRow scans the one value sql selects, e.g. to look at what a process stored.
func (s *Server) QueryRow(t testing.TB, dest any, sql string, args ...any) {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, s.DSN)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if err := conn.QueryRow(ctx, sql, args...).Scan(dest); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}

func (s *Server) start() error {
	out, err := s.pgCtl(append([]string{"start"}, s.startArgs()...)...)
	if err != nil {
		return fmt.Errorf("pg_ctl start: %v\n%s", err, out)
	}
	return nil
}

// startArgs are pg_ctl's options for starting the server and waiting until it accepts connections.
func (s *Server) startArgs() []string {
	return []string{"-w", "-l", filepath.Join(s.dir, "log"),
		"-o", fmt.Sprintf("-p %s -k %s -c listen_addresses=127.0.0.1 -c fsync=on", s.port, s.dir)}
}

func (s *Server) data() string { return filepath.Join(s.dir, "data") }

func (s *Server) pgCtl(args ...string) ([]byte, error) {
	return s.run("pg_ctl", append([]string{"-D", s.data()}, args...)...)
}

// run runs a PostgreSQL server program, as the postgres user when we are root.
func (s *Server) run(prog string, args ...string) ([]byte, error) {
	cmd := osexec.Command(filepath.Join(s.bin, prog), args...)
	if os.Getuid() == 0 {
		cmd = osexec.Command("runuser", append([]string{"-u", "postgres", "--", cmd.Path}, args...)...)
	}
	cmd.Dir = s.dir
	return cmd.CombinedOutput()
}
