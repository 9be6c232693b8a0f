package main

import (
	"os/exec"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"

	"github.com/streamfront/streamfront/internal/store/postgres/pgtest"
	"github.com/streamfront/streamfront/internal/testenv"
)

// A --store the binary cannot use stops `serve` at once with a message that
// names the flag and never prints the password.
func TestServeRefusesBadStore(t *testing.T) {
	bin := testenv.Binary(t)
	for _, c := range []struct{ store, want string }{
		{"mysql://root:hunter2@db/streamfront", "--store must be empty (SQLite in --data-dir) or a postgres:// URL"},
		// Nothing listens on port 1: the first connection fails.
		{"postgres://streamfront:hunter2@127.0.0.1:1/streamfront?connect_timeout=5", "open store"},
	} {
		out, err := exec.Command(bin, "serve", "--listen", testenv.FreeAddr(t), "--store", c.store, "--data-dir", t.TempDir()).CombinedOutput()
		if err == nil || !strings.Contains(string(out), c.want) {
			t.Fatalf("serve --store %s: %v\n%s\nwant an error containing %q", c.store, err, out, c.want)
		}
		if strings.Contains(string(out), "hunter2") {
			t.Fatalf("serve --store printed the password:\n%s", out)
		}
	}
}

// serve --store postgres://… keeps its state in PostgreSQL: a distribution
// created through one process is there after it is killed, for the next.
func TestServeStoresInPostgres(t *testing.T) {
	dsn := pgtest.DSN(t)
	addr := testenv.FreeAddr(t)
	first := testenv.StartProc(t, addr, "serve", "--listen", addr, "--store", dsn, "--data-dir", t.TempDir())
	cfg := testenv.DistConfig("pg-persist")
	cfg.Comment = aws.String("kept in PostgreSQL")
	out, err := testenv.Client(first.URL, "AKIDEXAMPLE", "secret").CreateStreamingDistribution(t.Context(),
		&cloudfront.CreateStreamingDistributionInput{StreamingDistributionConfig: cfg})
	if err != nil {
		t.Fatal(err)
	}
	first.Kill()
	addr = testenv.FreeAddr(t)
	second := testenv.StartProc(t, addr, "serve", "--listen", addr, "--store", dsn, "--data-dir", t.TempDir())
	if _, err := testenv.Client(second.URL, "AKIDEXAMPLE", "secret").GetStreamingDistribution(t.Context(),
		&cloudfront.GetStreamingDistributionInput{Id: out.StreamingDistribution.Id}); err != nil {
		t.Fatalf("distribution created before the kill: %v", err)
	}
}

// One serve owns an SQLite --data-dir: a second one on the same directory
// stops at once, saying why, and the first keeps serving; `streamfront
// edge` may share the directory.
func TestSecondServeOnOneDataDirIsRefused(t *testing.T) {
	bin := testenv.Binary(t)
	dir := t.TempDir()
	addr := testenv.FreeAddr(t)
	first := testenv.StartProc(t, addr, "serve", "--listen", addr, "--data-dir", dir)
	out, err := exec.Command(bin, "serve", "--listen", testenv.FreeAddr(t), "--data-dir", dir).CombinedOutput()
	want := "owned by another streamfront serve"
	if err == nil || !strings.Contains(string(out), want) {
		t.Fatalf("second serve on %s: %v\n%s\nwant an error containing %q", dir, err, out, want)
	}
	if _, err := testenv.Client(first.URL, "AKIDEXAMPLE", "secret").ListStreamingDistributions(t.Context(),
		&cloudfront.ListStreamingDistributionsInput{}); err != nil {
		t.Fatalf("first serve after the refused one: %v", err)
	}
}
