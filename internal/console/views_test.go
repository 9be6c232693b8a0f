package console_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront/types"
	"github.com/chromedp/chromedp"

	"github.com/streamfront/streamfront/internal/auth"
	"github.com/streamfront/streamfront/internal/edge/signedurl"
	"github.com/streamfront/streamfront/internal/testenv"
)

// TestConsoleOriginAccessIdentities: create, edit and delete OAIs in the
// console; one a distribution uses shows it and cannot be deleted.
func TestConsoleOriginAccessIdentities(t *testing.T) {
	srv := startServe(t)
	c := testenv.Client(srv.URL, "test", "test")
	ctx := context.Background()
	b := newBrowser(t, srv)
	b.signIn("test", "test")
	b.open("#/oais")
	b.fill("Comment", "for the media bucket")
	b.run(chromedp.Click(chromedp.CSS("#oai-create button")))
	b.waitJS(`[...document.querySelectorAll("#oais tr input")].some((i) => i.value === "for the media bucket")`)
	list, err := c.ListCloudFrontOriginAccessIdentities(ctx, &cloudfront.ListCloudFrontOriginAccessIdentitiesInput{})
	if err != nil || len(list.CloudFrontOriginAccessIdentityList.Items) != 1 {
		t.Fatalf("after create: %v %+v", err, list)
	}
	oai := *list.CloudFrontOriginAccessIdentityList.Items[0].Id

	// A distribution uses it: the list says so and Delete gets InUse.
	cfg := testenv.DistConfig("uses-oai")
	cfg.S3Origin.OriginAccessIdentity = aws.String("origin-access-identity/cloudfront/" + oai)
	d, err := c.CreateStreamingDistribution(ctx, &cloudfront.CreateStreamingDistributionInput{StreamingDistributionConfig: cfg})
	if err != nil {
		t.Fatal(err)
	}
	b.open("#/distributions")
	b.open("#/oais")
	row := `#oais tr[data-id="` + oai + `"]`
	b.waitText(row, *d.StreamingDistribution.Id)
	b.checkControls("origin access identities")
	b.run(chromedp.Click(chromedp.CSS(row + " button.danger")))
	b.waitText("main .status", "An error occurred (CloudFrontOriginAccessIdentityInUse) when calling the DeleteCloudFrontOriginAccessIdentity operation")
	b.shot("oais")

	// Edit the comment (If-Match from a fresh GetConfig).
	b.run(chromedp.SetValue(chromedp.CSS(row+" input"), "renamed"), chromedp.Click(chromedp.CSS(row+" button")))
	b.waitText("main .status", "Saved "+oai)
	got, err := c.GetCloudFrontOriginAccessIdentity(ctx, &cloudfront.GetCloudFrontOriginAccessIdentityInput{Id: aws.String(oai)})
	if err != nil || *got.CloudFrontOriginAccessIdentity.CloudFrontOriginAccessIdentityConfig.Comment != "renamed" {
		t.Fatalf("after edit: %v", err)
	}

	// Unused, it deletes.
	b.fill("Comment", "short-lived")
	b.run(chromedp.Click(chromedp.CSS("#oai-create button")))
	b.waitJS(`[...document.querySelectorAll("#oais tr input")].some((i) => i.value === "short-lived")`)
	b.run(chromedp.Evaluate[chromedp.Void](`[...document.querySelectorAll("#oais tr")].find((r) => r.querySelector("input")?.value === "short-lived").querySelector("button.danger").click()`))
	b.waitText("main .status", "Deleted ")
	list, err = c.ListCloudFrontOriginAccessIdentities(ctx, &cloudfront.ListCloudFrontOriginAccessIdentitiesInput{})
	if err != nil || len(list.CloudFrontOriginAccessIdentityList.Items) != 1 {
		t.Fatalf("after delete: %v, %d OAIs", err, len(list.CloudFrontOriginAccessIdentityList.Items))
	}
	b.checkClean()
}

var keyPairLine = regexp.MustCompile(`KeyPairId: (APKA[A-Z0-9]{16})`)

// createKeyPair runs `streamfront keypair create` for the open account and
// returns the file, the key pair id and the private key PEM.
func createKeyPair(t *testing.T) (file, id, pem string) {
	t.Helper()
	file = filepath.Join(t.TempDir(), "keypairs.toml")
	var stdout, stderr bytes.Buffer
	cmd := exec.Command(testenv.Binary(t), "keypair", "create", "--accounts", file, "--account", testenv.AccountID)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("keypair create: %v: %s", err, stderr.String())
	}
	m := keyPairLine.FindStringSubmatch(stderr.String())
	if m == nil {
		t.Fatalf("keypair create printed %q", stderr.String())
	}
	return file, m[1], stdout.String()
}

// TestConsoleTrustedSigners: the view lists ActiveTrustedSigners, and the
// generator's URLs, signed in the browser with a pasted key, pass the edge's
// own verifier (canned, and custom with an IP range).
func TestConsoleTrustedSigners(t *testing.T) {
	file, keyID, pem := createKeyPair(t)
	srv := startServe(t, "--key-pairs", file)
	c := testenv.Client(srv.URL, "test", "test")
	cfg := testenv.DistConfig("signed-1")
	cfg.TrustedSigners = &types.TrustedSigners{Enabled: aws.Bool(true), Quantity: aws.Int32(1), Items: []string{"self"}}
	d, err := c.CreateStreamingDistribution(context.Background(), &cloudfront.CreateStreamingDistributionInput{StreamingDistributionConfig: cfg})
	if err != nil {
		t.Fatal(err)
	}
	b := newBrowser(t, srv)
	b.signIn("test", "test")
	b.open("#/signers")
	b.waitText("#signers", "self: "+keyID)
	b.waitText("#signers", *d.StreamingDistribution.Id)

	b.fill("Key pair ID", keyID)
	b.run(chromedp.SetValue(chromedp.ID("private-key"), pem), chromedp.Click(chromedp.ID("use-key")))
	b.waitText(".key-panel .status", "Key for "+keyID+" loaded.")
	b.fill("Object key", "videos/clip.mp4")
	b.run(chromedp.Click(chromedp.ID("sign-go")))
	b.waitText("#signed-rtmp", "Key-Pair-Id="+keyID)
	b.checkControls("trusted signers")
	b.shot("signers")
	reg, err := auth.LoadOpen(file, testenv.AccountID, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	verify := func(stream, ip string) (signedurl.Result, error) {
		return signedurl.Verify(signedurl.Request{Stream: stream, ClientIP: netip.MustParseAddr(ip), Now: time.Now(),
			Owner: testenv.AccountID, TrustedSigners: []string{"self"}, Keys: reg})
	}
	canned := b.text("#signed-rtmp")
	b.clipboard() // grant before the copy
	b.run(chromedp.Click(chromedp.CSS(`button[aria-label="Copy the signed RTMP stream name"]`)))
	if got := b.clipboard(); got != canned {
		t.Errorf("the copy button copied %q, want %q", got, canned)
	}
	if res, err := verify(canned, "192.0.2.10"); err != nil || res.Custom || res.Stream != "mp4:videos/clip.mp4" {
		t.Errorf("canned %q: %+v, %v", canned, res, err)
	}
	if http := b.text("#signed-http"); !strings.HasPrefix(http, "http://"+*d.StreamingDistribution.DomainName+"/videos/clip.mp4?Expires=") {
		t.Errorf("signed HTTP URL %q", http)
	}

	b.run(chromedp.SetValue(chromedp.ID("sign-policy"), "custom"))
	b.fill("Source IP range (custom policy)", "192.0.2.0/24")
	b.run(chromedp.Click(chromedp.ID("sign-go")))
	b.waitText("#signed-rtmp", "?Policy=")
	custom := b.text("#signed-rtmp")
	if res, err := verify(custom, "192.0.2.10"); err != nil || !res.Custom {
		t.Errorf("custom %q from inside the range: %+v, %v", custom, res, err)
	}
	if _, err := verify(custom, "198.51.100.1"); err == nil {
		t.Errorf("custom %q accepted from outside its IP range", custom)
	}
	if stored := eval[string](b, `JSON.stringify(sessionStorage) + JSON.stringify(localStorage)`); strings.Contains(stored, "PRIVATE KEY") {
		t.Error("the private key was stored")
	}
	b.checkClean()
}

// TestConsolePlaySigned: a distribution with trusted signers plays in the
// console once the user pastes a key pair's private key; the page signs the
// playlist URL (custom policy over the object's URLs) in the browser.
func TestConsolePlaySigned(t *testing.T) {
	file, keyID, pem := createKeyPair(t)
	origin := t.TempDir()
	makeClip(t, origin)
	srv := startServe(t, "--key-pairs", file, "--origin-dir", origin, "--rtmp-listen", testenv.FreeAddr(t),
		"--http-listen", testenv.FreeAddr(t), "--deploy-delay", "200ms")
	c := testenv.Client(srv.URL, "test", "test")
	cfg := testenv.DistConfig("signed-play")
	cfg.TrustedSigners = &types.TrustedSigners{Enabled: aws.Bool(true), Quantity: aws.Int32(1), Items: []string{"self"}}
	d, err := c.CreateStreamingDistribution(context.Background(), &cloudfront.CreateStreamingDistributionInput{StreamingDistributionConfig: cfg})
	if err != nil {
		t.Fatal(err)
	}
	id := *d.StreamingDistribution.Id
	testenv.WaitDeployed(t, c, id)
	b := newBrowser(t, srv)
	b.signIn("test", "test")
	b.open("#/play?dist=" + id + "&key=videos/clip.mp4")
	b.waitText("main", "plays need a signed URL")
	b.fill("Key pair ID", keyID)
	b.run(chromedp.SetValue(chromedp.ID("private-key"), pem), chromedp.Click(chromedp.ID("use-key")))
	b.waitJS(`document.querySelector("#player").currentTime > 2`)
	if urls := b.text("#play-urls"); !strings.Contains(urls, "index.m3u8?Policy=") || !strings.Contains(urls, "Key-Pair-Id="+keyID) {
		t.Errorf("play URLs are not signed:\n%s", urls)
	}
	b.shot("play-signed")
	b.checkClean()
}

// makeClip writes a 20 s H.264/AAC MP4 (what browsers and the packager
// take) at origin/media/videos/clip.mp4.
func makeClip(t *testing.T, origin string) {
	t.Helper()
	testenv.Require(t, "ffmpeg")
	dir := filepath.Join(origin, "media", "videos")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc=size=320x240:rate=25:duration=20",
		"-f", "lavfi", "-i", "sine=frequency=440:sample_rate=44100:duration=20", "-c:v", "libx264", "-pix_fmt", "yuv420p",
		"-g", "50", "-c:a", "aac", "-movflags", "+faststart", filepath.Join(dir, "clip.mp4")).CombinedOutput()
	if err != nil {
		t.Fatalf("ffmpeg: %v\n%s", err, out)
	}
}

// TestConsoleEdge: with an RTMP viewer playing, the Edge view charts one
// viewer and a positive byte rate from /metrics.
func TestConsoleEdge(t *testing.T) {
	origin := t.TempDir()
	makeClip(t, origin)
	rtmp := testenv.FreeAddr(t)
	srv := startServe(t, "--origin-dir", origin, "--rtmp-listen", rtmp, "--http-listen", testenv.FreeAddr(t), "--deploy-delay", "200ms")
	c := testenv.Client(srv.URL, "test", "test")
	d, err := c.CreateStreamingDistribution(context.Background(), &cloudfront.CreateStreamingDistributionInput{StreamingDistributionConfig: testenv.DistConfig("edge-1")})
	if err != nil {
		t.Fatal(err)
	}
	testenv.WaitDeployed(t, c, *d.StreamingDistribution.Id)

	b := newBrowser(t, srv)
	b.signIn("test", "test")
	b.open("#/edge")
	b.waitText("#edge-viewers", "0 viewers")

	domain := *d.StreamingDistribution.DomainName
	ctx, cancel := context.WithCancel(context.Background())
	viewer := exec.CommandContext(ctx, "ffmpeg", "-v", "error", "-rtmp_app", "cfx/st", "-rtmp_tcurl", "rtmp://"+domain+"/cfx/st",
		"-rtmp_playpath", "mp4:videos/clip.mp4", "-i", fmt.Sprintf("rtmp://%s/cfx/st", rtmp), "-c", "copy", "-f", "null", "-")
	if err := viewer.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cancel(); viewer.Wait() })
	b.waitText("#edge-viewers", "1 viewer ·")
	ctxPoll, cancelPoll := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancelPoll()
	if _, err := chromedp.Run(ctxPoll, chromedp.Poll[bool](`!/^0 B/.test(document.querySelector("#edge-rate").textContent)`,
		chromedp.WithPollingTimeout(25*time.Second))); err != nil {
		t.Fatalf("no bytes/s shown while a viewer plays: %v (%q)", err, b.text("#edge-rate"))
	}
	b.checkControls("edge")
	b.shot("edge")
	b.checkClean()
}
