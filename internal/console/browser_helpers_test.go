package console_test

import (
	"context"
	"encoding/json"
	"fmt"
	"iter"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	cdpbrowser "github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/streamfront/streamfront/internal/console"
	"github.com/streamfront/streamfront/internal/testenv"
)

// server is a real `streamfront serve` child process whose request log the
// test reads.
type server struct {
	URL  string
	Logs *testenv.LogBuffer
}

// startServe runs the binary with args (plus --listen and --data-dir) and
// waits until it is healthy; it is killed when the test ends.
func startServe(t *testing.T, args ...string) *server {
	t.Helper()
	addr := testenv.FreeAddr(t)
	args = testenv.EdgePorts(append([]string{"serve", "--listen", addr, "--data-dir", t.TempDir()}, args...))
	cmd := exec.Command(testenv.Binary(t), args...)
	logs := &testenv.LogBuffer{}
	cmd.Stderr = logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
		if t.Failed() {
			t.Logf("server log:\n%s", tail(logs.String(), 16<<10))
		}
	})
	url := "http://" + addr
	for deadline := time.Now().Add(60 * time.Second); ; {
		resp, err := http.Get(url + "/_streamfront/health")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return &server{URL: url, Logs: logs}
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("serve %v did not become healthy: %v", args, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func tail(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}

// browser is a headless Chromium (Debian's) on the console of one server.
type browser struct {
	t     *testing.T
	ctx   context.Context
	url   string // the console's URL
	shots string // where screenshots go

	mu       sync.Mutex
	problems []string // CSP violations and uncaught exceptions
}

// artifactsDir is where a test's screenshots are kept after it ends:
// $STREAMFRONT_ARTIFACTS/console/<test>, else a fresh directory in TMPDIR.
func artifactsDir(t *testing.T) string {
	name := strings.ReplaceAll(t.Name(), "/", "_")
	var dir string
	if root := os.Getenv("STREAMFRONT_ARTIFACTS"); root != "" {
		dir = filepath.Join(root, "console", name)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
	} else {
		d, err := os.MkdirTemp("", "streamfront-console-"+name+"-")
		if err != nil {
			t.Fatal(err)
		}
		dir = d
	}
	t.Logf("console screenshots: %s", dir)
	return dir
}

func newBrowser(t *testing.T, srv *server) *browser {
	t.Helper()
	chromium := testenv.Require(t, "chromium")
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromium),
		chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("autoplay-policy", "no-user-gesture-required"),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 800),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx)
	t.Cleanup(func() { cancel(); cancelAlloc() })
	b := &browser{t: t, ctx: ctx, url: srv.URL + "/_streamfront/console/", shots: artifactsDir(t)}
	if err := chromedp.Do(ctx); err != nil { // start the browser without a timeout
		t.Fatal(err)
	}
	if _, err := chromedp.Call(ctx, log.Enable, cdp.Empty{}); err != nil {
		t.Fatal(err)
	}
	go b.watch(chromedp.Console(ctx))
	b.run(chromedp.EmulateViewport(1280, 800), chromedp.Navigate(b.url))
	return b
}

// watch records what must never happen on the page: a CSP violation or an
// uncaught exception.
func (b *browser) watch(msgs iter.Seq2[chromedp.ConsoleMessage, error]) {
	for m, err := range msgs {
		if err != nil {
			return
		}
		var p string
		switch {
		case m.Type == chromedp.ConsoleException:
			p = "exception: " + m.Text
		case strings.Contains(m.Text, "Content Security Policy"):
			p = "CSP: " + m.Text
		}
		if p != "" {
			b.mu.Lock()
			b.problems = append(b.problems, p)
			b.mu.Unlock()
		}
	}
}

// checkClean fails the test on any CSP violation or uncaught exception.
func (b *browser) checkClean() {
	b.t.Helper()
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(b.problems) > 0 {
		b.t.Errorf("the page reported:\n%s", strings.Join(b.problems, "\n"))
	}
}

// run runs actions with a 60 s bound and fails the test (with a screenshot)
// if they fail.
func (b *browser) run(actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 60*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		b.fail(err)
	}
}

// eval evaluates a JavaScript expression in the page.
func eval[T any](b *browser, expr string) T {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 60*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		b.fail(err)
	}
	return v
}

func (b *browser) fail(err error) {
	b.t.Helper()
	b.shot("failure")
	ctx, cancel := context.WithTimeout(b.ctx, 5*time.Second)
	defer cancel()
	body, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector("main")?.innerText ?? ""`))
	b.t.Fatalf("browser: %v\npage text:\n%s", err, body)
}

// shot writes a screenshot of the viewport as <name>.png.
func (b *browser) shot(name string) {
	ctx, cancel := context.WithTimeout(b.ctx, 20*time.Second)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		b.t.Logf("screenshot %s: %v", name, err)
		return
	}
	if err := os.WriteFile(filepath.Join(b.shots, name+".png"), png, 0o644); err != nil {
		b.t.Error(err)
	}
}

// open opens a view by its hash route, e.g. "#/create", and waits until it
// has rendered (main.js marks the body with the view's name).
func (b *browser) open(route string) {
	b.t.Helper()
	view, _, _ := strings.Cut(strings.TrimPrefix(route, "#/"), "/")
	view, _, _ = strings.Cut(view, "?")
	b.run(chromedp.Evaluate[chromedp.Void](fmt.Sprintf("location.hash = %s; undefined", q(route))))
	b.waitJS(fmt.Sprintf(`document.body.dataset.view === %s`, q(view)))
}

// waitText waits until the element sel's text contains want.
func (b *browser) waitText(sel, want string) {
	b.t.Helper()
	js := fmt.Sprintf(`(() => { const e = document.querySelector(%s); return !!e && e.textContent.includes(%s); })()`, q(sel), q(want))
	ctx, cancel := context.WithTimeout(b.ctx, 60*time.Second)
	defer cancel()
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](js, chromedp.WithPollingTimeout(45*time.Second))); err != nil {
		b.fail(fmt.Errorf("waiting for %q in %s: %w", want, sel, err))
	}
}

// waitJS waits until the JavaScript expression is truthy.
func (b *browser) waitJS(expr string) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 60*time.Second)
	defer cancel()
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](expr, chromedp.WithPollingTimeout(45*time.Second))); err != nil {
		b.fail(fmt.Errorf("waiting for %s: %w", expr, err))
	}
}

// text returns the text of sel.
func (b *browser) text(sel string) string {
	b.t.Helper()
	return eval[string](b, fmt.Sprintf(`document.querySelector(%s)?.textContent ?? ""`, q(sel)))
}

func q(s string) string {
	j, _ := json.Marshal(s)
	return string(j)
}

// fill types v into the control labelled label (replacing its value).
func (b *browser) fill(label, v string) {
	b.t.Helper()
	js := fmt.Sprintf(`(() => {
	  const l = [...document.querySelectorAll("label")].find((l) => l.textContent.trim() === %s && l.control);
	  if (!l) return "";
	  l.control.value = "";
	  return l.control.id;
	})()`, q(label))
	ctx, cancel := context.WithTimeout(b.ctx, 60*time.Second)
	defer cancel()
	id, err := chromedp.Run(ctx, chromedp.Poll[string](js, chromedp.WithPollingTimeout(30*time.Second)))
	if err != nil {
		b.fail(fmt.Errorf("no control labelled %q: %w", label, err))
	}
	b.run(chromedp.SendKeys(chromedp.ID(id), v))
}

// signIn signs in with the keyboard only: Tab from the key to the secret,
// Enter submits.
func (b *browser) signIn(key, secret string) {
	b.t.Helper()
	b.fill("Access key ID", "")
	id := eval[string](b, `[...document.querySelectorAll("label")].find((l) => l.textContent.trim() === "Access key ID").control.id`)
	b.run(chromedp.Focus(chromedp.ID(id)), chromedp.KeyEvent(key), chromedp.KeyEvent(kb.Tab),
		chromedp.KeyEvent(secret), chromedp.KeyEvent(kb.Enter), chromedp.WaitVisible(chromedp.CSS("#signout")))
}

// unlabelled lists the controls of the page without an accessible name or
// taken out of the keyboard order.
const unlabelledJS = `(() => {
  const bad = [];
  for (const el of document.querySelectorAll("input, select, textarea, button, a[href], video")) {
    if (el.type === "hidden" || el.closest("[hidden]")) continue;
    const label = (el.labels && [...el.labels].map((l) => l.textContent.trim()).join(" ")) || el.getAttribute("aria-label") ||
      ((el.tagName === "BUTTON" || el.tagName === "A") ? el.textContent.trim() : "");
    if (!label) bad.push("no label: " + el.outerHTML.slice(0, 120));
    if (el.tagName !== "VIDEO" && el.tabIndex < 0) bad.push("not keyboard-reachable: " + el.outerHTML.slice(0, 120));
  }
  return bad;
})()`

// checkControls fails the test on controls of the current view without a
// label or out of the keyboard order, and on a page wider than the window.
func (b *browser) checkControls(view string) {
	b.t.Helper()
	bad := eval[[]string](b, unlabelledJS)
	overflow := eval[bool](b, `document.documentElement.scrollWidth > innerWidth + 1`)
	for _, s := range bad {
		b.t.Errorf("%s: %s", view, s)
	}
	if overflow {
		b.t.Errorf("%s: the page is wider than the window", view)
	}
}

// clipboard returns what the page last copied (the page may read and
// write the clipboard: the test grants it).
func (b *browser) clipboard() string {
	b.t.Helper()
	origin := strings.TrimSuffix(strings.TrimSuffix(b.url, console.Prefix), "/")
	for _, name := range []string{"clipboard-read", "clipboard-write"} {
		if _, err := chromedp.CallBrowser(b.ctx, cdpbrowser.SetPermission, cdpbrowser.SetPermissionParams{
			Permission: &cdpbrowser.PermissionDescriptor{Name: name, AllowWithoutSanitization: true},
			Setting:    "granted", Origin: origin}); err != nil {
			b.t.Fatal(err)
		}
	}
	ctx, cancel := context.WithTimeout(b.ctx, 20*time.Second)
	defer cancel()
	s, err := chromedp.Run(ctx, chromedp.Evaluate[string](`navigator.clipboard.readText()`, chromedp.EvalAwaitPromise))
	if err != nil {
		b.fail(err)
	}
	return s
}

// phone switches the viewport to a 390×844 phone (and back with desktop).
func (b *browser) phone() {
	b.run(chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile, chromedp.EmulateScale(2)))
}

func (b *browser) desktop() {
	b.run(chromedp.EmulateViewport(1280, 800))
}
