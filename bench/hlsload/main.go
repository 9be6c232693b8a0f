// Command hlsload plays one 720p file's fMP4 HLS rendition to N simulated
// players from streamfront's HTTP edge (packaging the MP4 on the fly) and
// from Debian's nginx serving the same media pre-packaged by ffmpeg as
// static files (sendfile on, one worker), alternating in one run on this
// machine. It reports for each: viewers per CPU core, bytes per second per
// core, first-segment latency for a cold object (never requested) and a
// warm one (p50/p99), anonymous memory per viewer and errors.
//
//	go run ./bench/hlsload -n 500
//
// See bench/README.md.
package main

import (
	"flag"
	"fmt"
	"log"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/streamfront/streamfront/bench/internal/procstat"
)

func main() {
	n := flag.Int("n", 500, "concurrent players")
	secs := flag.Int("file-seconds", 120, "length of the generated clip")
	kbps := flag.Int("kbps", 2000, "video bit rate of the generated clip")
	window := flag.Duration("window", 20*time.Second, "steady-state window over which CPU is measured")
	ramp := flag.Duration("ramp", 10*time.Second, "time over which players start")
	burst := flag.Int("burst", 3, "segments a player fetches at once at start-up")
	cold := flag.Int("cold", 5, "cold objects whose first segment is timed")
	rounds := flag.Int("rounds", 1, "rounds of all servers, alternating")
	servers := flag.String("servers", "streamfront,nginx", "servers to load, in order")
	bin := flag.String("streamfront", "", "streamfront binary (default: go build)")
	work := flag.String("dir", "", "work directory (default: a temporary one); clips are reused when present")
	flag.Parse()
	log.SetFlags(log.Ltime)

	dir := *work
	if dir == "" {
		d, err := os.MkdirTemp("", "hlsload")
		check(err)
		defer os.RemoveAll(d)
		dir = d
	}
	names := prepare(dir, *secs, *kbps, *cold)
	if *bin == "" {
		*bin = filepath.Join(dir, "streamfront")
		out, err := exec.Command("go", "build", "-o", *bin, "github.com/streamfront/streamfront/cmd/streamfront").CombinedOutput()
		if err != nil {
			log.Fatalf("go build: %v\n%s", err, out)
		}
	}
	var reports []report
	for round := range *rounds {
		for _, name := range strings.Split(*servers, ",") {
			var s server
			var err error
			switch name {
			case "streamfront":
				s, err = startStreamfront(dir, *bin)
			case "nginx":
				s, err = startNginx(dir, filepath.Join(dir, "hls"))
			default:
				log.Fatalf("unknown server %q", name)
			}
			check(err)
			log.Printf("round %d, %s: %d players", round+1, name, *n)
			r, err := load(s, names, *n, *burst, *ramp, *window)
			s.stop() // also when the load failed: no server outlives the run
			check(err)
			r.server = name
			reports = append(reports, r)
		}
	}
	fmt.Printf("\n%d HLS players of a %d s 720p MP4 (%d kb/s video), burst %d segments then real time, ramp %v, CPU window %v, %d cores\n\n",
		*n, *secs, *kbps, *burst, *ramp, *window, runtime.NumCPU())
	printReports(reports)
}

// prepare makes the clip, cold copies of it (hard links: other objects to
// streamfront, read from the same disk blocks) and nginx's renditions of
// each, and returns the object names: the clip first, then the cold ones.
func prepare(dir string, secs, kbps, cold int) []string {
	media := filepath.Join(dir, "origin", "media")
	clip := filepath.Join(media, "clip.mp4")
	check(makeClip(clip, secs, kbps))
	names := []string{"clip.mp4"}
	for i := range cold {
		names = append(names, fmt.Sprintf("cold-%d.mp4", i+1))
	}
	for _, name := range names {
		path := filepath.Join(media, name)
		if _, err := os.Stat(path); err != nil {
			check(os.Link(clip, path))
		}
		check(prepackage(path, filepath.Join(dir, "hls", name)))
	}
	return names
}

type report struct {
	server       string
	viewers      int
	errors       int
	firstErr     error
	cores        float64
	idleCores    float64 // busy before any player
	perCore      float64
	perNetCore   float64 // viewers per core above the idle load
	mbPerCore    float64 // MB/s per busy core during the window
	memPerViewer float64 // KiB
	cold, warm   []time.Duration
}

// load times the cold objects' first segments, then runs n players of the
// clip and measures the server while they play.
func load(s server, names []string, n, burst int, ramp, window time.Duration) (report, error) {
	var r report
	r.viewers = n
	closed := make(chan struct{})
	close(closed)
	for _, name := range names[1:] { // one player each, stopped after its first segment
		res := newPlayer(1).run(s.target(name), closed)
		if res.err != nil {
			r.errors++
			r.firstErr = res.err
			continue
		}
		r.cold = append(r.cold, res.firstSegment)
	}
	if res := newPlayer(1).run(s.target(names[0]), closed); res.err != nil { // warms the clip
		return r, fmt.Errorf("warm-up: %w", res.err)
	}
	time.Sleep(500 * time.Millisecond)
	memBefore := procstat.AnonKiB(s.pids())
	// The idle server's own work (streamfront's deployer and store polls)
	// is reported apart from what the players cost.
	idle0, it0 := procstat.CPUSeconds(s.pids()), time.Now()
	time.Sleep(5 * time.Second)
	r.idleCores = (procstat.CPUSeconds(s.pids()) - idle0) / time.Since(it0).Seconds()

	stop := make(chan struct{})
	results := make([]result, n)
	var received counter
	var wg sync.WaitGroup
	began := time.Now()
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			p := newPlayer(burst)
			p.client.Transport = &countingTransport{inner: p.client.Transport, n: &received}
			results[i] = p.run(s.target(names[0]), stop)
		}()
		time.Sleep(time.Until(began.Add(time.Duration(i+1) * ramp / time.Duration(n))))
	}
	time.Sleep(3 * time.Second) // the last start-up bursts
	cpu0, bytes0, t0 := procstat.CPUSeconds(s.pids()), received.load(), time.Now()
	var memSum int64
	const samples = 10
	for range samples {
		time.Sleep(window / samples)
		memSum += procstat.AnonKiB(s.pids())
	}
	cpu1, bytes1, t1 := procstat.CPUSeconds(s.pids()), received.load(), time.Now()
	close(stop)
	wg.Wait()

	r.cores = (cpu1 - cpu0) / t1.Sub(t0).Seconds()
	if r.cores > 0 {
		r.perCore = float64(n) / r.cores
		r.mbPerCore = float64(bytes1-bytes0) / t1.Sub(t0).Seconds() / r.cores / 1e6
	}
	if net := r.cores - r.idleCores; net > 0 {
		r.perNetCore = float64(n) / net
	}
	r.memPerViewer = float64(memSum/samples-memBefore) / float64(n)
	for _, v := range results {
		if v.err != nil {
			r.errors++
			if r.firstErr == nil {
				r.firstErr = v.err
			}
			continue
		}
		r.warm = append(r.warm, v.firstSegment)
	}
	return r, nil
}

func printReports(rs []report) {
	fmt.Printf("%-12s %8s %7s %6s %10s %10s %11s %12s %18s %18s %7s\n",
		"server", "players", "cores", "idle", "view/core", "net v/core", "MB/s/core", "KiB/viewer", "cold 1st seg p50/99", "warm 1st seg p50/99", "errors")
	for _, r := range rs {
		fmt.Printf("%-12s %8d %7.3f %6.3f %10.0f %10.0f %11.1f %12.1f %18s %18s %7d\n",
			r.server, r.viewers, r.cores, r.idleCores, r.perCore, r.perNetCore, r.mbPerCore, r.memPerViewer,
			pct(r.cold, 50)+"/"+pct(r.cold, 99), pct(r.warm, 50)+"/"+pct(r.warm, 99), r.errors)
		if r.firstErr != nil {
			fmt.Printf("  first error: %v\n", r.firstErr)
		}
	}
}

func pct(ds []time.Duration, p int) string {
	if len(ds) == 0 {
		return "-"
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	d := s[min(len(s)-1, len(s)*p/100)]
	return fmt.Sprintf("%.1fms", float64(d.Microseconds())/1000)
}

func check(err error) {
	if err != nil {
		log.Fatal(err)
	}
}
