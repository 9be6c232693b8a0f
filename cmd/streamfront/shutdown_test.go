package main

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"

	"github.com/streamfront/streamfront/internal/testenv"
)

// TestSIGTERMFinishesInFlightRequests: a create whose body is still arriving
// when SIGTERM comes is finished and answered 201; meanwhile the server
// accepts no new connection; it then exits 0, and the create is in the
// store when the server starts again.
func TestSIGTERMFinishesInFlightRequests(t *testing.T) {
	dataDir := t.TempDir()
	addr := testenv.FreeAddr(t)
	p := testenv.StartProc(t, addr, "serve", "--listen", addr, "--data-dir", dataDir)

	body := `<StreamingDistributionConfig xmlns="http://cloudfront.amazonaws.com/doc/2020-05-31/">` +
		`<CallerReference>in-flight</CallerReference>` +
		`<S3Origin><DomainName>media.s3.amazonaws.com</DomainName><OriginAccessIdentity></OriginAccessIdentity></S3Origin>` +
		`<Comment>sent across a SIGTERM</Comment><TrustedSigners><Enabled>false</Enabled><Quantity>0</Quantity></TrustedSigners>` +
		`<Enabled>true</Enabled></StreamingDistributionConfig>`
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	half := len(body) / 2
	fmt.Fprintf(conn, "POST /2020-05-31/streaming-distribution HTTP/1.1\r\nHost: %s\r\nContent-Type: text/xml\r\nContent-Length: %d\r\n\r\n%s",
		addr, len(body), body[:half])
	time.Sleep(200 * time.Millisecond) // let the server start reading the request

	if err := p.Cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	// The listener closes at once; the half-sent request keeps the process up.
	deadline := time.Now().Add(10 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err != nil {
			break
		}
		c.Close()
		if time.Now().After(deadline) {
			t.Fatal("still accepting connections 10 s after SIGTERM")
		}
		time.Sleep(20 * time.Millisecond)
	}

	io.WriteString(conn, body[half:])
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("in-flight request not answered: %v", err)
	}
	answer, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusCreated || !strings.Contains(string(answer), "<CallerReference>in-flight</CallerReference>") {
		t.Fatalf("in-flight create: %d %s", resp.StatusCode, answer)
	}
	loc := resp.Header.Get("Location")
	id := loc[strings.LastIndexByte(loc, '/')+1:]
	if err := p.Cmd.Wait(); err != nil {
		t.Fatalf("exit after SIGTERM: %v", err)
	}

	addr = testenv.FreeAddr(t)
	p = testenv.StartProc(t, addr, "serve", "--listen", addr, "--data-dir", dataDir)
	c := testenv.Client(p.URL, "AKIDEXAMPLE", "secret")
	got, err := c.GetStreamingDistribution(t.Context(), &cloudfront.GetStreamingDistributionInput{Id: aws.String(id)})
	if err != nil || *got.ETag != resp.Header.Get("ETag") {
		t.Fatalf("the create answered during shutdown is not stored: %v", err)
	}
}
