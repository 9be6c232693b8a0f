// Command apiload measures GetStreamingDistribution of a real `streamfront
// serve` process against a bare net/http handler in its own process that
// answers the same request with the same body, the load coming from this
// process (keep-alive clients) on the same machine. The two servers
// alternate in rounds so that load from other work hits both; each round
// prints ops/s of both and their ratio.
//
//	go run ./bench/apiload -rounds 5 -duration 5s -clients 8
//
// The bare server is this program re-executed as `apiload bare`.
package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/streamfront/streamfront/bench/internal/harness"
)

func main() {
	if len(os.Args) > 1 && os.Args[1] == "bare" {
		bare(os.Args[2:])
		return
	}
	bin := flag.String("streamfront", "", "streamfront binary (default: go build ./cmd/streamfront)")
	rounds := flag.Int("rounds", 5, "alternating rounds")
	duration := flag.Duration("duration", 5*time.Second, "length of each measurement")
	clients := flag.Int("clients", 8, "concurrent keep-alive clients")
	cpuprofile := flag.String("cpuprofile", "", "write a CPU profile of the streamfront process here (STREAMFRONT_CPUPROFILE)")
	flag.Parse()

	dir, err := os.MkdirTemp("", "apiload")
	check(err)
	defer os.RemoveAll(dir)
	if *bin == "" {
		*bin = filepath.Join(dir, "streamfront")
		cmd := exec.Command("go", "build", "-o", *bin, "./cmd/streamfront")
		cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
		check(cmd.Run())
	}

	sfAddr := freeAddr()
	// The edge serve runs by default stays off the fixed RTMP and HTTP ports.
	args := []string{"serve", "--listen", sfAddr, "--data-dir", filepath.Join(dir, "data"),
		"--rtmp-listen", "127.0.0.1:0", "--http-listen", "off"}
	if *cpuprofile != "" {
		os.Setenv("STREAMFRONT_CPUPROFILE", *cpuprofile)
	}
	logFile, err := os.Create(filepath.Join(dir, "serve.log"))
	check(err)
	sf := start(*bin, logFile, args...)
	defer stop(sf)
	sfURL := "http://" + sfAddr
	waitUp(sfURL + "/_streamfront/health")
	id := create(sfURL)
	getPath := "/2020-05-31/streaming-distribution/" + id
	body, headers := fetch(sfURL + getPath)

	bodyFile := filepath.Join(dir, "body")
	check(os.WriteFile(bodyFile, body, 0o644))
	self, err := os.Executable()
	check(err)
	bareAddr := freeAddr()
	os.Unsetenv("STREAMFRONT_CPUPROFILE")
	bs := start(self, os.Stderr, "bare", "-listen", bareAddr, "-body", bodyFile, "-etag", headers.Get("ETag"))
	defer stop(bs)
	bareURL := "http://" + bareAddr
	waitUp(bareURL + "/health")

	fmt.Printf("GetStreamingDistribution, %d clients, %v per round, body %d bytes, GOMAXPROCS of the servers: default\n",
		*clients, *duration, len(body))
	fmt.Printf("%-6s %14s %14s %7s %12s %12s %9s\n", "round", "streamfront/s", "bare/s", "ratio",
		"sf µs CPU/op", "bare µs/op", "CPU ratio")
	var ratios, cpuRatios []float64
	sfPID, barePID := []int{sf.Process.Pid}, []int{bs.Process.Pid}
	load(sfURL+getPath, sfPID, *clients, time.Second) // warm-up
	load(bareURL+getPath, barePID, *clients, time.Second)
	for r := 1; r <= *rounds; r++ {
		var s, b result
		if r%2 == 1 {
			s = load(sfURL+getPath, sfPID, *clients, *duration)
			b = load(bareURL+getPath, barePID, *clients, *duration)
		} else {
			b = load(bareURL+getPath, barePID, *clients, *duration)
			s = load(sfURL+getPath, sfPID, *clients, *duration)
		}
		ratios = append(ratios, s.opsPerSec/b.opsPerSec)
		cpuRatios = append(cpuRatios, b.cpuPerOp/s.cpuPerOp)
		fmt.Printf("%-6d %14.0f %14.0f %7.2f %12.1f %12.1f %9.2f\n", r, s.opsPerSec, b.opsPerSec,
			s.opsPerSec/b.opsPerSec, s.cpuPerOp*1e6, b.cpuPerOp*1e6, b.cpuPerOp/s.cpuPerOp)
	}
	slices.Sort(ratios)
	slices.Sort(cpuRatios)
	fmt.Printf("throughput ratio min %.2f median %.2f max %.2f\n", ratios[0], ratios[len(ratios)/2], ratios[len(ratios)-1])
	fmt.Printf("CPU-per-request ratio (bare/streamfront) min %.2f median %.2f max %.2f\n",
		cpuRatios[0], cpuRatios[len(cpuRatios)/2], cpuRatios[len(cpuRatios)-1])
}

type result struct {
	opsPerSec float64
	cpuPerOp  float64 // CPU seconds of the server's process per request
}

// load runs clients keep-alive GET loops on url for d and returns
// successful requests per second and the CPU time the server's process
// (pids) spent per request; any other status is fatal.
func load(url string, pids []int, clients int, d time.Duration) result {
	tr := &http.Transport{MaxIdleConnsPerHost: clients, DisableCompression: true}
	defer tr.CloseIdleConnections()
	c := &http.Client{Transport: tr}
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	var ops atomic.Int64
	var wg sync.WaitGroup
	cpu0 := harness.CPUSeconds(pids)
	start := time.Now()
	for range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
				req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20260101/us-east-1/cloudfront/aws4_request, SignedHeaders=host, Signature=00")
				resp, err := c.Do(req)
				if err != nil {
					if ctx.Err() != nil {
						return
					}
					log.Fatal(err)
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK {
					log.Fatalf("%s: status %d", url, resp.StatusCode)
				}
				ops.Add(1)
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start).Seconds()
	cpu := harness.CPUSeconds(pids) - cpu0
	n := float64(ops.Load())
	return result{opsPerSec: n / elapsed, cpuPerOp: cpu / n}
}

// bare is the baseline server: it reads the request and answers the
// recorded body with the headers a Get answer carries.
func bare(args []string) {
	fs := flag.NewFlagSet("bare", flag.ExitOnError)
	listen := fs.String("listen", "", "address")
	bodyFile := fs.String("body", "", "file with the answer body")
	etag := fs.String("etag", "", "ETag header")
	fs.Parse(args)
	body, err := os.ReadFile(*bodyFile)
	check(err)
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "text/xml")
		w.Header().Set("ETag", *etag)
		w.Header().Set("x-amz-request-id", "00000000-0000-0000-0000-000000000000")
		w.Write(body)
	})
	srv := &http.Server{Addr: *listen, Handler: h, ReadHeaderTimeout: 10 * time.Second}
	check(srv.ListenAndServe())
}

func start(bin string, stderr io.Writer, args ...string) *exec.Cmd {
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = stderr, stderr
	check(cmd.Start())
	return cmd
}

// stop ends a server with SIGINT so that serve writes its CPU profile.
func stop(cmd *exec.Cmd) {
	cmd.Process.Signal(os.Interrupt)
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		cmd.Process.Kill()
	}
}

func freeAddr() string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	check(err)
	defer ln.Close()
	return ln.Addr().String()
}

func waitUp(url string) {
	for range 200 {
		if resp, err := http.Get(url); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	log.Fatalf("%s never answered", url)
}

func create(base string) string {
	cfg := `<?xml version="1.0" encoding="UTF-8"?>
<StreamingDistributionConfig xmlns="http://cloudfront.amazonaws.com/doc/2020-05-31/"><CallerReference>apiload</CallerReference><S3Origin><DomainName>media.s3.amazonaws.com</DomainName><OriginAccessIdentity></OriginAccessIdentity></S3Origin><Aliases><Quantity>0</Quantity></Aliases><Comment>benchmark</Comment><TrustedSigners><Enabled>false</Enabled><Quantity>0</Quantity></TrustedSigners><PriceClass>PriceClass_All</PriceClass><Enabled>true</Enabled></StreamingDistributionConfig>`
	resp, err := http.Post(base+"/2020-05-31/streaming-distribution", "text/xml", bytes.NewReader([]byte(cfg)))
	check(err)
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusCreated {
		log.Fatalf("create: %d %s", resp.StatusCode, b)
	}
	i, j := bytes.Index(b, []byte("<Id>")), bytes.Index(b, []byte("</Id>"))
	return string(b[i+4 : j])
}

func fetch(url string) ([]byte, http.Header) {
	resp, err := http.Get(url)
	check(err)
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		log.Fatalf("get: %d %s", resp.StatusCode, b)
	}
	return b, resp.Header
}

func check(err error) {
	if err != nil {
		log.Fatal(err)
	}
}
