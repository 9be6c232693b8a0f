package console_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	"github.com/aws/smithy-go"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/streamfront/streamfront/internal/testenv"
)

// TestConsoleDistributionLifecycle drives the console as a user would:
// create a distribution in the form, see it in the list until Deployed,
// disable it, delete it; every view screenshotted, checked for labels,
// keyboard order and phone width, and the page free of CSP violations.
func TestConsoleDistributionLifecycle(t *testing.T) {
	origin := t.TempDir()
	makeClip(t, origin)
	httpEdge := testenv.FreeAddr(t)
	srv := startServe(t, "--deploy-delay", "1s", "--origin-dir", origin,
		"--rtmp-listen", testenv.FreeAddr(t), "--http-listen", httpEdge)
	b := newBrowser(t, srv)
	b.shot("signin")
	b.checkControls("sign in")
	b.signIn("test", "test")

	b.open("#/create")
	b.checkControls("create")
	b.phone()
	b.checkControls("create on a phone")
	b.shot("create-phone")
	b.desktop()
	b.fill("S3 origin domain name", "media.s3.amazonaws.com")
	b.fill("Comment", "made in the console")
	b.fill("Aliases (CNAMEs), one per line", "console.example.com")
	b.fill("Tags, one Key=Value per line", "team=video")
	b.shot("create")
	b.run(chromedp.Click(chromedp.CSS("#create-submit")), chromedp.WaitVisible(chromedp.CSS("#raw-xml")))
	id := strings.TrimSpace(b.text("main h2 code"))
	if id == "" {
		t.Fatal("no distribution id in the detail view")
	}
	if xml := b.text("#raw-xml"); !strings.Contains(xml, "<Id>"+id+"</Id>") || !strings.Contains(xml, "<StreamingDistribution") {
		t.Errorf("raw XML does not show the distribution:\n%s", xml)
	}
	if etag := b.text("#detail-etag"); etag == "" {
		t.Error("no ETag shown")
	}
	b.waitText("#config-fields", "console.example.com")
	b.shot("distribution")
	b.checkControls("distribution")
	b.phone()
	b.checkControls("distribution on a phone")
	b.desktop()

	// Tags: add one, remove the one given at create.
	b.waitText("#tag-list", "team=video")
	b.fill("Tag key", "env")
	b.fill("Tag value", "test")
	b.run(chromedp.Click(chromedp.CSS("#tag-form button")))
	b.waitText("#tag-list", "env=test")
	b.run(chromedp.Click(chromedp.CSS(`#tag-list button[aria-label="Remove tag team"]`)))
	b.waitJS(`!document.querySelector("#tag-list").textContent.includes("team=video")`)
	c := testenv.Client(srv.URL, "test", "test")
	arn := "arn:aws:cloudfront::" + testenv.AccountID + ":streaming-distribution/" + id
	tags, err := c.ListTagsForResource(context.Background(), &cloudfront.ListTagsForResourceInput{Resource: aws.String(arn)})
	if err != nil || len(tags.Tags.Items) != 1 || *tags.Tags.Items[0].Key != "env" || *tags.Tags.Items[0].Value != "test" {
		t.Fatalf("tags after the console's changes: %v %+v", err, tags)
	}
	b.run(chromedp.Click(chromedp.CSS(`#tag-list button[aria-label="Remove tag env"]`)))
	b.waitText("#tag-list", "No tags.")
	b.run(chromedp.Evaluate[chromedp.Void](`location.reload()`), chromedp.WaitVisible(chromedp.CSS("#raw-xml")))
	b.fill("Tag key", "team")
	b.fill("Tag value", "video")
	b.run(chromedp.Click(chromedp.CSS("#tag-form button")))
	b.waitText("#tag-list", "team=video")

	b.open("#/distributions")
	row := `#distributions tr[data-id="` + id + `"]`
	b.waitText(row, "made in the console")
	b.waitText(row, "team=video")
	b.waitText(row, "console.example.com")
	b.waitText(row+" .status-cell", "Deployed")
	b.shot("distributions")
	b.checkControls("distributions")
	b.phone()
	b.checkControls("distributions on a phone")
	b.shot("distributions-phone")
	b.desktop()

	// Filter by text: a word of the comment keeps it, another hides it.
	b.fill("Filter (Id, domain, alias, comment, tag)", "nothing-like-this")
	b.waitText("#distributions tbody", "No distribution matches the filter.")
	b.fill("Filter (Id, domain, alias, comment, tag)", "team=video")
	b.waitText("#distributions tbody", id)

	// Play it: the URLs of the contract, and the video advancing over HLS.
	domain := b.text(row + ` td[data-label="Domain name"]`)
	playObject(b, id, "videos/clip.mp4")
	_, port, _ := strings.Cut(httpEdge, ":")
	if hls := b.text("#play-urls"); !strings.Contains(hls, "http://"+domain+".localhost:"+port+"/videos/clip.mp4/index.m3u8") ||
		!strings.Contains(hls, "rtmp://"+domain+"/cfx/st/mp4:videos/clip.mp4") ||
		!strings.Contains(hls, "http://"+domain+".localhost:"+port+"/videos/clip.mp4/manifest.mpd") {
		t.Errorf("play URLs:\n%s", hls)
	}
	b.clipboard() // grant before the copy
	b.run(chromedp.Click(chromedp.CSS(`button[aria-label="Copy the HLS (fMP4)"]`)))
	if got, want := b.clipboard(), "http://"+domain+".localhost:"+port+"/videos/clip.mp4/index.m3u8"; got != want {
		t.Errorf("Copy copied %q, want %q", got, want)
	}
	b.checkControls("play")

	// Disable, then delete (wait for Deployed, delete) with progress.
	b.open("#/distribution/" + id)
	// By keyboard: Enter on a focused button.
	b.run(chromedp.Focus(chromedp.CSS("#toggle-enabled")), chromedp.KeyEvent(kb.Enter))
	b.waitText("#toggle-enabled", "Enable")
	got, err := c.GetStreamingDistribution(context.Background(), &cloudfront.GetStreamingDistributionInput{Id: aws.String(id)})
	if err != nil || *got.StreamingDistribution.StreamingDistributionConfig.Enabled {
		t.Fatalf("after Disable: %v, %+v", err, got)
	}
	// Delete… moves the focus to its confirmation: Enter twice.
	b.run(chromedp.Focus(chromedp.CSS("#delete")), chromedp.KeyEvent(kb.Enter))
	b.waitJS(`document.activeElement?.id === "delete-confirm"`)
	b.run(chromedp.KeyEvent(kb.Enter))
	b.waitText("#delete-progress", "Deleted.")
	b.shot("deleted")
	_, err = c.GetStreamingDistribution(context.Background(), &cloudfront.GetStreamingDistributionInput{Id: aws.String(id)})
	if code := apiCode(err); code != "NoSuchStreamingDistribution" {
		t.Errorf("after Delete: Get answers %v, want NoSuchStreamingDistribution", err)
	}

	// The console's calls are in the request log like any SDK's.
	for _, op := range []string{"CreateStreamingDistributionWithTags", "ListStreamingDistributions", "UpdateStreamingDistribution", "DeleteStreamingDistribution"} {
		if !strings.Contains(srv.Logs.String(), "operation="+op) {
			t.Errorf("request log has no %s", op)
		}
	}
	b.checkClean()
}

// playObject opens the Play view of key in distribution id and waits until
// the video (hls.js over the HTTP edge) has played two seconds.
func playObject(b *browser, id, key string) {
	b.t.Helper()
	b.open("#/play?dist=" + id + "&key=" + key)
	b.waitJS(`document.querySelector("#player").currentTime > 2`)
	b.shot("play")
}

// TestConsoleListPaging: past 100 distributions the list pages (the API's
// Marker), and both pages show what the API has.
func TestConsoleListPaging(t *testing.T) {
	srv := startServe(t, "--max-distributions", "200", "--deploy-delay", "0s")
	c := testenv.Client(srv.URL, "test", "test")
	for i := range 103 {
		cfg := testenv.DistConfig(fmt.Sprintf("page-%d", i))
		cfg.Comment = aws.String(fmt.Sprintf("number %03d", i))
		if _, err := c.CreateStreamingDistribution(context.Background(), &cloudfront.CreateStreamingDistributionInput{StreamingDistributionConfig: cfg}); err != nil {
			t.Fatal(err)
		}
	}
	b := newBrowser(t, srv)
	b.signIn("test", "test")
	b.waitText(".page-info", "Page 1 · 100 on this page")
	first := eval[[]string](b, `[...document.querySelectorAll("#distributions tbody tr")].map((r) => r.dataset.id)`)
	b.run(chromedp.Click(chromedp.CSS(".pager button:last-child")))
	b.waitText(".page-info", "Page 2 · 3 on this page")
	second := eval[[]string](b, `[...document.querySelectorAll("#distributions tbody tr")].map((r) => r.dataset.id)`)
	seen := map[string]bool{}
	for _, id := range append(first, second...) {
		seen[id] = true
	}
	if len(first) != 100 || len(second) != 3 || len(seen) != 103 {
		t.Errorf("pages of %d and %d rows, %d distinct; want 100, 3, 103", len(first), len(second), len(seen))
	}
	b.run(chromedp.Click(chromedp.CSS(".pager button:first-child")))
	b.waitText(".page-info", "Page 1 · 100 on this page")
	b.checkClean()
}

// TestConsoleFieldError: the API's error shows, as the CLI prints it, next
// to the field it concerns, and nothing is created.
func TestConsoleFieldError(t *testing.T) {
	srv := startServe(t)
	b := newBrowser(t, srv)
	b.signIn("test", "test")
	b.open("#/create")
	b.fill("S3 origin domain name", "www.example.com")
	b.run(chromedp.Click(chromedp.CSS("#create-submit")))
	field := `[data-field="S3Origin.DomainName"] .field-error`
	b.waitText(field, "An error occurred (InvalidOrigin) when calling the CreateStreamingDistribution operation: ")
	b.shot("create-error")
	c := testenv.Client(srv.URL, "test", "test")
	list, err := c.ListStreamingDistributions(context.Background(), &cloudfront.ListStreamingDistributionsInput{})
	if err != nil || *list.StreamingDistributionList.Quantity != 0 {
		t.Fatalf("after a refused create: %v, %d distributions", err, *list.StreamingDistributionList.Quantity)
	}
	b.checkClean()
}

// TestConsoleStaleETag: an edit whose If-Match someone else's change made
// stale shows the 412 and offers to reload; nothing is saved. Deleting an
// enabled distribution disables it, waits for Deployed and deletes.
func TestConsoleStaleETag(t *testing.T) {
	srv := startServe(t, "--deploy-delay", "1s")
	c := testenv.Client(srv.URL, "test", "test")
	ctx := context.Background()
	out, err := c.CreateStreamingDistribution(ctx, &cloudfront.CreateStreamingDistributionInput{StreamingDistributionConfig: testenv.DistConfig("stale-1")})
	if err != nil {
		t.Fatal(err)
	}
	id := *out.StreamingDistribution.Id
	b := newBrowser(t, srv)
	b.signIn("test", "test")
	b.open("#/distribution/" + id)
	b.waitText("#detail-etag", *out.ETag)

	// Someone else changes the comment.
	cfg, err := c.GetStreamingDistributionConfig(ctx, &cloudfront.GetStreamingDistributionConfigInput{Id: aws.String(id)})
	if err != nil {
		t.Fatal(err)
	}
	cfg.StreamingDistributionConfig.Comment = aws.String("changed by someone else")
	if _, err := c.UpdateStreamingDistribution(ctx, &cloudfront.UpdateStreamingDistributionInput{Id: aws.String(id),
		IfMatch: cfg.ETag, StreamingDistributionConfig: cfg.StreamingDistributionConfig}); err != nil {
		t.Fatal(err)
	}

	b.fill("Comment", "changed in the console")
	b.run(chromedp.Click(chromedp.CSS("#edit-save")))
	b.waitText("#conflict", "Someone else changed this distribution")
	b.waitText("#conflict", "An error occurred (PreconditionFailed) when calling the UpdateStreamingDistribution operation")
	b.shot("stale-etag")
	now, err := c.GetStreamingDistributionConfig(ctx, &cloudfront.GetStreamingDistributionConfigInput{Id: aws.String(id)})
	if err != nil || *now.StreamingDistributionConfig.Comment != "changed by someone else" {
		t.Fatalf("the stale edit changed the distribution: %v %q", err, aws.ToString(now.StreamingDistributionConfig.Comment))
	}
	b.run(chromedp.Click(chromedp.CSS("#conflict button")))
	b.waitText("#detail-etag", *now.ETag)
	b.waitText("#config-fields", "changed by someone else")

	// Delete while enabled: disable, wait for Deployed, delete.
	b.run(chromedp.Click(chromedp.CSS("#delete")), chromedp.Click(chromedp.CSS("#delete-confirm")))
	b.waitText("#delete-progress", "Disabled.")
	b.waitText("#delete-progress", "Deleted.")
	_, err = c.GetStreamingDistribution(ctx, &cloudfront.GetStreamingDistributionInput{Id: aws.String(id)})
	if apiCode(err) != "NoSuchStreamingDistribution" {
		t.Errorf("after Delete: %v", err)
	}
	b.checkClean()
}

// TestConsoleSecureMode: signatures are checked as for any SDK: a wrong
// secret shows SignatureDoesNotMatch; a read-only key lists but gets
// AccessDenied on create, and nothing is created.
func TestConsoleSecureMode(t *testing.T) {
	accounts := testenv.WriteAccounts(t, []testenv.Key{testenv.KeyA, testenv.KeyAReadOnly}, "")
	srv := startServe(t, "--accounts", accounts)
	b := newBrowser(t, srv)

	b.signIn(testenv.KeyA.ID, "not-the-secret")
	b.waitText("main .status", "An error occurred (SignatureDoesNotMatch) when calling the ListStreamingDistributions operation")
	b.shot("wrong-secret")
	b.run(chromedp.Click(chromedp.CSS("#signout")))

	b.signIn(testenv.KeyAReadOnly.ID, testenv.KeyAReadOnly.Secret)
	b.waitText("#distributions tbody", "No streaming distributions yet.")
	b.open("#/create")
	b.fill("S3 origin domain name", "media.s3.amazonaws.com")
	b.run(chromedp.Click(chromedp.CSS("#create-submit")))
	b.waitText("#create-form", "An error occurred (AccessDenied) when calling the CreateStreamingDistribution operation")
	b.shot("read-only-create")
	c := testenv.Client(srv.URL, testenv.KeyA.ID, testenv.KeyA.Secret)
	list, err := c.ListStreamingDistributions(context.Background(), &cloudfront.ListStreamingDistributionsInput{})
	if err != nil || *list.StreamingDistributionList.Quantity != 0 {
		t.Fatalf("after a read-only create: %v, %d distributions", err, *list.StreamingDistributionList.Quantity)
	}
	if !strings.Contains(srv.Logs.String(), "code=AccessDenied") || !strings.Contains(srv.Logs.String(), "code=SignatureDoesNotMatch") {
		t.Error("the refused console requests are not in the request log")
	}
	b.checkClean()
}

func apiCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}
