// Command rtmpload plays one ~2 Mb/s 720p file to N concurrent viewers from
// streamfront and from nginx with libnginx-mod-rtmp (one worker), on this
// machine in one run, and reports for each: viewers served per CPU core,
// anonymous memory per viewer, connect time, time to first frame, and
// buffer stalls (real-time pacing).
//
//	go run ./bench/rtmpload -n 500
//
// Viewers behave like players: SetBufferLength 3000 ms before play, then
// read at the pace the server sends. See bench/README.md.
package main

import (
	"flag"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/streamfront/streamfront/bench/internal/procstat"
)

func main() {
	n := flag.Int("n", 500, "concurrent viewers")
	secs := flag.Int("file-seconds", 40, "length of the generated clip")
	window := flag.Duration("window", 15*time.Second, "steady-state window over which CPU is measured")
	ramp := flag.Duration("ramp", 5*time.Second, "time over which viewers connect")
	servers := flag.String("servers", "streamfront,nginx", "servers to load, in order")
	bin := flag.String("streamfront", "", "streamfront binary (default: go build)")
	work := flag.String("dir", "", "work directory (default: a temporary one); the clip is reused when present")
	flag.Parse()
	log.SetFlags(log.Ltime)

	dir := *work
	if dir == "" {
		d, err := os.MkdirTemp("", "rtmpload")
		check(err)
		defer os.RemoveAll(d)
		dir = d
	}
	clip := filepath.Join(dir, "origin", "media", "clip.mp4")
	check(makeClip(clip, *secs))
	fi, err := os.Stat(clip)
	check(err)
	bitrate := float64(fi.Size()*8) / float64(*secs) / 1e6
	log.Printf("clip %s: %d s, %.2f Mb/s", clip, *secs, bitrate)
	playFor := *ramp + *window + 8*time.Second
	if time.Duration(*secs)*time.Second < playFor {
		log.Fatalf("-file-seconds %d is shorter than ramp+window+8s (%v)", *secs, playFor)
	}

	var reports []report
	for _, name := range strings.Split(*servers, ",") {
		var s server
		switch name {
		case "streamfront":
			s, err = startStreamfront(dir, *bin)
		case "nginx":
			s, err = startNginx(dir)
		default:
			log.Fatalf("unknown server %q", name)
		}
		check(err)
		log.Printf("%s: %d viewers", name, *n)
		r, err := load(s, *n, *ramp, *window, playFor)
		s.stop()
		check(err)
		r.server = name
		reports = append(reports, r)
	}
	fmt.Printf("\n%d viewers of a %.2f Mb/s 720p MP4, ramp %v, CPU window %v, %d cores\n\n", *n, bitrate, *ramp, *window, numCPU())
	printReports(os.Stdout, reports)
}

// server is a running RTMP server under test.
type server struct {
	target target
	pids   func() []int // processes whose CPU and memory count
	stop   func()
}

type report struct {
	server        string
	viewers       int
	failed        int
	firstErr      error
	cores         float64 // CPU cores busy during the window
	perCore       float64
	memPerViewer  float64 // KiB of anonymous memory
	connect       []time.Duration
	firstFrame    []time.Duration
	stalled       int // viewers that stalled at least once
	worstBehind   time.Duration
	mbpsPerViewer float64
}

// load runs n viewers against s and measures it.
func load(s server, n int, ramp, window, playFor time.Duration) (report, error) {
	// One warm-up play so caches and lazily built state are in place.
	warm := (&viewer{}).run(s.target, nil, 2*time.Second)
	if warm.err != nil {
		return report{}, fmt.Errorf("warm-up play: %w", warm.err)
	}
	time.Sleep(500 * time.Millisecond)
	memBefore := procstat.AnonKiB(s.pids())

	stop := make(chan struct{})
	results := make([]result, n)
	var wg sync.WaitGroup
	began := time.Now()
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i] = (&viewer{}).run(s.target, stop, playFor-time.Duration(i)*ramp/time.Duration(n))
		}()
		time.Sleep(time.Until(began.Add(time.Duration(i+1) * ramp / time.Duration(n))))
	}
	// Let the initial bursts (buffer length + 1 s) pass, then measure.
	time.Sleep(5 * time.Second)
	cpu0, t0 := procstat.CPUSeconds(s.pids()), time.Now()
	// Memory is the mean of samples across the window (a garbage-collected
	// heap breathes).
	var memSum int64
	const samples = 10
	for range samples {
		time.Sleep(window / samples)
		memSum += procstat.AnonKiB(s.pids())
	}
	memDuring := memSum / samples
	cpu1, t1 := procstat.CPUSeconds(s.pids()), time.Now()
	wg.Wait()
	close(stop)

	r := report{viewers: n}
	r.cores = (cpu1 - cpu0) / t1.Sub(t0).Seconds()
	if r.cores > 0 {
		r.perCore = float64(n) / r.cores
	}
	r.memPerViewer = float64(memDuring-memBefore) / float64(n)
	var bytes int64
	for _, v := range results {
		if v.err != nil {
			r.failed++
			if r.firstErr == nil {
				r.firstErr = v.err
			}
			continue
		}
		r.connect = append(r.connect, v.connect)
		r.firstFrame = append(r.firstFrame, v.firstVid)
		bytes += v.bytes
		if v.stalls > 0 {
			r.stalled++
		}
		r.worstBehind = max(r.worstBehind, v.maxBehind)
	}
	if ok := n - r.failed; ok > 0 {
		r.mbpsPerViewer = float64(bytes*8) / float64(ok) / playFor.Seconds() / 1e6
	}
	return r, nil
}

func printReports(w *os.File, rs []report) {
	fmt.Fprintf(w, "%-12s %8s %7s %10s %12s %16s %16s %8s %10s %6s\n",
		"server", "viewers", "cores", "view/core", "KiB/viewer", "connect p50/p99", "1st frame p50/99", "stalled", "Mb/s/view", "failed")
	for _, r := range rs {
		fmt.Fprintf(w, "%-12s %8d %7.2f %10.0f %12.1f %16s %16s %8d %10.2f %6d\n",
			r.server, r.viewers, r.cores, r.perCore, r.memPerViewer,
			pct(r.connect, 50)+"/"+pct(r.connect, 99), pct(r.firstFrame, 50)+"/"+pct(r.firstFrame, 99),
			r.stalled, r.mbpsPerViewer, r.failed)
		if r.firstErr != nil {
			fmt.Fprintf(w, "  first failure: %v\n", r.firstErr)
		}
	}
	if len(rs) == 2 && rs[1].perCore > 0 {
		fmt.Fprintf(w, "\n%s / %s viewers per core: %.2fx\n", rs[0].server, rs[1].server, rs[0].perCore/rs[1].perCore)
	}
}

func pct(ds []time.Duration, p int) string {
	if len(ds) == 0 {
		return "-"
	}
	s := slices.Clone(ds)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	d := s[min(len(s)-1, len(s)*p/100)]
	return fmt.Sprintf("%.1fms", float64(d.Microseconds())/1000)
}

func check(err error) {
	if err != nil {
		log.Fatal(err)
	}
}
