package edge_test

// Headless Chromium (Debian's /usr/bin/chromium, driven with chromedp)
// plays what the HTTP edge serves, from a page on another origin as a
// website embedding the distribution's media would. All browser tests are
// subtests of TestBrowser so they share one Chromium.

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/cloudfront/sign"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront/types"
	"github.com/chromedp/chromedp"

	cf "github.com/streamfront/streamfront/internal/cloudfront"
	"github.com/streamfront/streamfront/internal/edge"
	"github.com/streamfront/streamfront/internal/testenv"
)

// startChromium starts one headless Chromium for the test and returns a
// context to open tabs from.
func startChromium(t *testing.T) context.Context {
	t.Helper()
	path := testenv.Require(t, "chromium")
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path), chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("headless", true), chromedp.Flag("no-sandbox", true), chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.Flag("no-first-run", true), chromedp.Flag("disable-quic", true),
		chromedp.Flag("autoplay-policy", "no-user-gesture-required"), chromedp.Flag("mute-audio", true),
	}
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	browser, cancelBrowser := chromedp.NewContext(alloc)
	if err := chromedp.Do(browser); err != nil { // starts the browser
		cancelBrowser()
		cancelAlloc()
		t.Fatalf("chromium: %v", err)
	}
	t.Cleanup(func() { cancelBrowser(); cancelAlloc() })
	return browser
}

// tab opens a tab on url and returns its context, ended with the test.
func tab(t *testing.T, browser context.Context, url string) context.Context {
	t.Helper()
	ctx, cancel := chromedp.NewContext(browser)
	ctx, cancelTimeout := context.WithTimeout(ctx, 90*time.Second)
	t.Cleanup(func() { cancelTimeout(); cancel() })
	if err := chromedp.Do(ctx, chromedp.Navigate(url)); err != nil {
		t.Fatalf("open %s: %v", url, err)
	}
	return ctx
}

// eval evaluates a JavaScript expression in ctx's page.
func eval[T any](t *testing.T, ctx context.Context, expr string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		t.Fatalf("%s: %v", expr, err)
	}
	return v
}

// waitFor polls a JavaScript condition until it holds; on timeout it
// fails with what describe (an expression) says of the page.
func waitFor(t *testing.T, ctx context.Context, cond, describe string, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		if eval[bool](t, ctx, cond) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s did not hold: %s", cond, eval[string](t, ctx, describe))
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// playerModules are the npm releases of web/player the test pages load.
var playerModules = map[string]string{
	"/hls.min.js":      "hls.js/dist/hls.min.js",
	"/dash.all.min.js": "dashjs/dist/modern/umd/dash.all.min.js",
}

// testPage is the other origin's page: play(url, kind) plays url with
// hls.js ("hls"), dash.js ("dash") or the video element itself ("src");
// window.failure records a fatal player error.
const testPage = `<!doctype html><html><body>
<video id="v" muted autoplay playsinline width="320" height="240"></video>
<canvas id="c" width="320" height="240"></canvas>
<script src="/hls.min.js"></script><script src="/dash.all.min.js"></script>
<script>
window.failure = "";
const v = document.getElementById("v");
v.addEventListener("error", () => { window.failure = "video error " + (v.error && v.error.message); });
function play(url, kind) {
  if (kind === "hls") {
    if (!Hls.isSupported()) { window.failure = "hls.js: no MSE"; return; }
    const hls = new Hls();
    hls.on(Hls.Events.ERROR, (_, d) => { if (d.fatal) window.failure = "hls.js " + d.details + " " + (d.response ? d.response.code : ""); });
    hls.loadSource(url); hls.attachMedia(v);
  } else if (kind === "dash") {
    const p = dashjs.MediaPlayer().create();
    p.on(dashjs.MediaPlayer.events.ERROR, (e) => { window.failure = "dash.js " + JSON.stringify(e.error); });
    p.initialize(v, url, true);
  } else { v.crossOrigin = "anonymous"; v.src = url; }
  v.play().catch(() => {});
}
// shownSecond reads the second a makeSecondsClip picture shows: bit i is
// stripe i white.
function shownSecond() {
  const c = document.getElementById("c").getContext("2d");
  c.drawImage(v, 0, 0, 320, 240);
  let s = 0;
  for (let i = 0; i < 5; i++) {
    if (c.getImageData(32 + 64 * i, 120, 1, 1).data[1] > 128) s |= 1 << i;
  }
  return s;
}
function state() { return "t=" + v.currentTime + " ready=" + v.readyState + " failure=" + window.failure; }
</script></body></html>`

// startPageOrigin serves testPage and the players from a second origin.
func startPageOrigin(t *testing.T) string {
	t.Helper()
	_, file, _, _ := runtime.Caller(0)
	modules := filepath.Join(filepath.Dir(file), "..", "..", "web", "player", "node_modules")
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if rel, ok := playerModules[r.URL.Path]; ok {
			w.Header().Set("Content-Type", "text/javascript")
			http.ServeFile(w, r, filepath.Join(modules, rel))
			return
		}
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprint(w, testPage)
	}))
	t.Cleanup(srv.Close)
	for _, rel := range playerModules {
		if _, err := os.Stat(filepath.Join(modules, rel)); err != nil {
			if os.Getenv("STREAMFRONT_REQUIRE_ALL") == "1" {
				t.Fatalf("run npm ci --prefix web/player: %v", err)
			}
			t.Skipf("run npm ci --prefix web/player: %v", err)
		}
	}
	return srv.URL
}

// makeSecondsClip writes an H.264/AAC MP4 of secs seconds whose picture
// shows the second's number in binary (stripe i of 5, 64 pixels wide, white
// for bit i), with a key frame every second. Black and white survive any
// colour-space handling a player applies.
func makeSecondsClip(t *testing.T, e *env, key string, secs int) {
	t.Helper()
	testenv.Require(t, "ffmpeg")
	path := filepath.Join(e.dir, bucket, filepath.FromSlash(key))
	os.MkdirAll(filepath.Dir(path), 0o755)
	d := fmt.Sprint(secs)
	out, err := exec.Command("ffmpeg", "-v", "error", "-y",
		"-f", "lavfi", "-i", "color=c=black:s=320x240:r=25:d="+d+",format=yuv420p,"+
			"geq=lum='255*mod(floor(floor(T)/pow(2\\,floor(X/64)))\\,2)':cb=128:cr=128",
		"-f", "lavfi", "-i", "sine=frequency=440:sample_rate=44100:duration="+d,
		"-c:v", "libx264", "-preset", "ultrafast", "-g", "25", "-pix_fmt", "yuv420p", "-c:a", "aac", "-f", "mp4", path).CombinedOutput()
	if err != nil {
		t.Fatalf("ffmpeg: %v\n%s", err, out)
	}
}

const clipSeconds = 30

func TestBrowser(t *testing.T) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	signers := cf.SingleAccount{ID: testenv.AccountID, KeyPairs: []cf.KeyPair{{ID: keyPairID, Public: &key.PublicKey, Active: true}}}
	h := startHTTPEnv(t, edge.HTTPConfig{Signers: signers}, nil, nil)
	_, domain := h.createDist(t)
	signedCfg := newDistConfig()
	signedCfg.TrustedSigners = &types.TrustedSigners{Enabled: aws.Bool(true), Quantity: aws.Int32(1), Items: []string{"self"}}
	_, signedDomain := h.create(t, signedCfg)
	makeSecondsClip(t, h.env, "videos/seconds.mp4", clipSeconds)
	pageOrigin := startPageOrigin(t)
	browser := startChromium(t)
	edgeURL := func(domain, path string) string { return "http://" + domain + ".localhost:" + h.port + path }

	// playFromPage plays url on the other origin's page and waits until
	// the video has played past 5 s.
	playFromPage := func(t *testing.T, url, kind string) context.Context {
		t.Helper()
		ctx := tab(t, browser, pageOrigin+"/")
		eval[bool](t, ctx, fmt.Sprintf("play(%q, %q), true", url, kind))
		waitFor(t, ctx, "window.failure === '' && v.currentTime > 5", "state()", 60*time.Second)
		return ctx
	}
	// seekShows seeks to second s and checks the picture is that second's.
	seekShows := func(t *testing.T, ctx context.Context, s int) {
		t.Helper()
		eval[bool](t, ctx, fmt.Sprintf("v.pause(); window.seekedTo = -1; v.addEventListener('seeked', () => { window.seekedTo = v.currentTime }, {once: true}); v.currentTime = %d.5; true", s))
		waitFor(t, ctx, "window.seekedTo >= 0 && v.readyState >= 2", "state()", 30*time.Second)
		if got := eval[int](t, ctx, "shownSecond()"); got != s {
			t.Errorf("after a seek to %d.5 s the picture shows second %d", s, got)
		}
	}

	t.Run("progressive", func(t *testing.T) {
		ctx := playFromPage(t, edgeURL(domain, "/videos/seconds.mp4"), "src")
		seekShows(t, ctx, 20)
	})
	t.Run("hls.js", func(t *testing.T) {
		if !eval[bool](t, tab(t, browser, pageOrigin+"/"), `MediaSource.isTypeSupported('video/mp4; codecs="avc1.64001f,mp4a.40.2"')`) {
			t.Fatal("this Chromium has no H.264/AAC Media Source Extensions")
		}
		ctx := playFromPage(t, edgeURL(domain, "/videos/seconds.mp4/index.m3u8"), "hls")
		seekShows(t, ctx, 20)
	})
	t.Run("dash.js", func(t *testing.T) {
		ctx := playFromPage(t, edgeURL(domain, "/videos/seconds.mp4/manifest.mpd"), "dash")
		seekShows(t, ctx, 20)
	})
	t.Run("player page", func(t *testing.T) {
		ctx := tab(t, browser, edgeURL(domain, "/videos/seconds.mp4/player"))
		waitFor(t, ctx, "document.getElementById('video').currentTime > 5",
			"'t=' + document.getElementById('video').currentTime + ' ' + document.getElementById('status').textContent", 60*time.Second)
	})
	t.Run("signed", func(t *testing.T) {
		playlist := edgeURL(signedDomain, "/videos/seconds.mp4/index.m3u8")
		signed, err := sign.NewURLSigner(keyPairID, key).SignWithPolicy(playlist, &sign.Policy{Statements: []sign.Statement{{
			Resource:  "http://" + signedDomain + ".localhost/videos/seconds.mp4/*",
			Condition: sign.Condition{DateLessThan: sign.NewAWSEpochTime(time.Now().Add(time.Hour))},
		}}})
		if err != nil {
			t.Fatal(err)
		}
		playFromPage(t, signed, "hls")

		ctx := tab(t, browser, pageOrigin+"/")
		eval[bool](t, ctx, fmt.Sprintf("play(%q, 'hls'), true", playlist))
		waitFor(t, ctx, "window.failure !== ''", "state()", 30*time.Second)
		if f := eval[string](t, ctx, "window.failure"); !strings.Contains(f, "403") {
			t.Errorf("unsigned playlist: %s, want a 403", f)
		}
	})
}
