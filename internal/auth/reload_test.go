package auth_test

import (
	"context"
	"log/slog"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/cloudfront"

	"github.com/streamfront/streamfront/internal/auth"
	cf "github.com/streamfront/streamfront/internal/cloudfront"
	"github.com/streamfront/streamfront/internal/testenv"
)

func TestWatchKeepsTheLastGoodFileAndNeverLogsSecrets(t *testing.T) {
	var logs testenv.LogBuffer
	log := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	file := testenv.WriteAccounts(t, []testenv.Key{testenv.KeyA}, "")
	srv := testenv.Start(t, testenv.Options{Accounts: file, Service: cf.Options{Logger: log}})
	reg, err := auth.Load(file, log) // a second registry, driven by Watch
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	hup := make(chan os.Signal)
	go reg.Watch(ctx, time.Hour, hup)

	// A broken file (here: a typo'd key) is refused; the old keys stay.
	good, _ := os.ReadFile(file)
	os.WriteFile(file, append(append([]byte{}, good...), "\n[[access_key]]\naccount = \"111111111111\"\nid = \"AKIANEWNEWNEWNEWNEW0\"\nsecrte = \"x\"\n"...), 0o600)
	hup <- os.Interrupt
	hup <- os.Interrupt // the second send returns once the first reload is done
	if _, ok := reg.AccessKey(testenv.KeyA.ID); !ok {
		t.Fatal("a bad file replaced the good one")
	}
	if !strings.Contains(logs.String(), "unknown key access_key.secrte") {
		t.Fatalf("the refusal is not logged with the key name:\n%s", logs.String())
	}
	// A fixed file with a new key is taken.
	newKey := testenv.Key{Account: testenv.AccountA, ID: "AKIANEWNEWNEWNEWNEW0", Secret: "a-brand-new-secret-for-the-new-key"}
	os.WriteFile(file, []byte(string(good)+"\n[[access_key]]\naccount = \"111111111111\"\nid = \""+newKey.ID+"\"\nsecret = \""+newKey.Secret+"\"\n"), 0o600)
	hup <- os.Interrupt
	hup <- os.Interrupt
	if _, ok := reg.AccessKey(newKey.ID); !ok {
		t.Fatal("the fixed file was not loaded")
	}

	// Requests, good and bad, through a server logging at debug level.
	if err := srv.Accounts.Reload(); err != nil {
		t.Fatal(err)
	}
	create(t, srv.ClientFor(newKey), "logged")
	bad := newKey
	bad.Secret = "wrong-secret-wrong-secret-wrong"
	srv.ClientFor(bad).ListStreamingDistributions(ctx, &cloudfront.ListStreamingDistributionsInput{})
	for _, secret := range []string{testenv.KeyA.Secret, newKey.Secret, bad.Secret} {
		if strings.Contains(logs.String(), secret) {
			t.Fatalf("a secret is in the logs:\n%s", logs.String())
		}
	}
	if !strings.Contains(logs.String(), "code=SignatureDoesNotMatch") || !strings.Contains(logs.String(), "accounts file reloaded") {
		t.Fatalf("the refused request or the reload is not logged:\n%s", logs.String())
	}
}
