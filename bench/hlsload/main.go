// Command hlsload plays one ~2 Mb/s 720p clip over HLS (fMP4) to N
// simulated players from streamfront's HTTP edge and from Debian's nginx
// serving the same media pre-packaged by ffmpeg as static files (sendfile
// on), alternating the two in one run on this machine, and reports for each:
// viewers and bytes/s per CPU core, first-segment latency of a cold and a
// warm object, memory per viewer, and errors.
//
//	go run ./bench/hlsload -n 500,1000,2000 -rounds 2
//
// Players fetch the playlist, the init segment, the first segments back to
// back, then one segment per segment duration over one keep-alive
// connection each. See bench/README.md.
package main

import (
	"flag"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/streamfront/streamfront/bench/internal/harness"
)

func main() {
	counts := flag.String("n", "200", "concurrent viewers: a comma-separated list, each measured in turn")
	rounds := flag.Int("rounds", 1, "rounds per viewer count; the servers' order alternates each round")
	servers := flag.String("servers", "streamfront,nginx", "servers to load, in the first round's order")
	secs := flag.Int("clip-seconds", 150, "length of the generated clip")
	segSecs := flag.Int("segment-seconds", 6, "HLS segment duration (ffmpeg -hls_time, --hls-segment-duration)")
	rampRate := flag.Float64("ramp-rate", 100, "viewers started per second")
	settle := flag.Duration("settle", 3*time.Second, "pause after the last start-up burst before the window")
	idle := flag.Duration("idle", 5*time.Second, "window over which the idle server's CPU is measured, before the viewers start")
	window := flag.Duration("window", 30*time.Second, "steady window over which CPU, bytes and memory are measured (best a multiple of the segment duration: each viewer then fetches the same number of segments in it)")
	burst := flag.Int("burst", 3, "segments a player fetches back to back at start-up")
	probes := flag.Int("probes", 20, "cold and warm start-up probes per load (after the window, under load)")
	probeTime := flag.Duration("probe-time", 10*time.Second, "time over which the probes are spread")
	timeout := flag.Duration("timeout", 10*time.Second, "per-request timeout (body included)")
	workers := flag.String("nginx-workers", "auto", "nginx worker_processes: auto (one per core, Debian's default) or a number")
	bin := flag.String("streamfront", "", "streamfront binary (default: go build)")
	work := flag.String("dir", "", "work directory (default: a temporary one); the clip and its HLS files are reused when present")
	sfEnv := flag.String("streamfront-env", "", "extra environment of the streamfront process, comma-separated KEY=VALUE (GOMAXPROCS=1, GOGC=200)")
	profile := flag.String("cpuprofile", "", "write CPU profiles of the streamfront process as this prefix + <viewers>-<round>.prof")
	flag.Parse()
	log.SetFlags(log.Ltime)

	ns, err := parseCounts(*counts)
	check(err)
	dir := *work
	if dir == "" {
		d, err := os.MkdirTemp("", "hlsload")
		check(err)
		defer os.RemoveAll(d)
		dir = d
	}
	l := layout{dir: dir, segment: time.Duration(*segSecs) * time.Second}
	check(harness.MakeClip(l.clip(), *secs))
	check(l.packageClip())
	defer removeColdCopies(l)
	sfBin, err := harness.BuildStreamfront(dir, *bin)
	check(err)
	names := strings.Split(*servers, ",")

	var reports []*report
	for _, n := range ns {
		c := loadConfig{
			viewers: n, ramp: time.Duration(float64(n) / *rampRate * float64(time.Second)),
			settle: *settle, idle: *idle, window: *window, burst: *burst, probes: *probes, probeTime: *probeTime, timeout: *timeout,
		}
		for round := range *rounds {
			order := names
			if round%2 == 1 {
				order = reversed(names)
			}
			for _, name := range order {
				c.tag = fmt.Sprintf("%d-%d-%d-%s", time.Now().Unix(), n, round, name)
				r, err := runOne(name, l, sfBin, *workers, sfEnviron(*sfEnv, profilePath(*profile, n, round)), c)
				check(err)
				log.Print(r.line())
				reports = append(reports, r)
			}
		}
	}
	fmt.Printf("\nHLS fMP4, %d s segments, %d-segment start-up burst, window %v, %d cores, nginx worker_processes %s\n\n",
		*segSecs, *burst, *window, runtime.NumCPU(), *workers)
	printReports(os.Stdout, reports)
}

// runOne starts the server name, loads it and stops it.
func runOne(name string, l layout, sfBin, workers string, sfEnv []string, c loadConfig) (*report, error) {
	var s server
	var err error
	switch name {
	case "streamfront":
		s, err = startStreamfront(l, sfBin, sfEnv)
	case "nginx":
		s, err = startNginx(l, workers)
	default:
		return nil, fmt.Errorf("unknown server %q", name)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	defer s.stop()
	log.Printf("%s: %d viewers (ramp %v)", name, c.viewers, c.ramp)
	return load(s, c)
}

func parseCounts(s string) ([]int, error) {
	var ns []int
	for _, f := range strings.Split(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n <= 0 {
			return nil, fmt.Errorf("-n: bad viewer count %q", f)
		}
		ns = append(ns, n)
	}
	return ns, nil
}

func reversed(s []string) []string {
	out := make([]string, len(s))
	for i, v := range s {
		out[len(s)-1-i] = v
	}
	return out
}

// sfEnviron is the streamfront process's extra environment: -streamfront-env
// and the CPU profile's path.
func sfEnviron(list, profile string) []string {
	var env []string
	for _, kv := range strings.Split(list, ",") {
		if kv != "" {
			env = append(env, kv)
		}
	}
	if profile != "" {
		env = append(env, "STREAMFRONT_CPUPROFILE="+profile)
	}
	return env
}

func profilePath(prefix string, n, round int) string {
	if prefix == "" {
		return ""
	}
	return fmt.Sprintf("%s%d-%d.prof", prefix, n, round)
}

// removeColdCopies deletes the hard links the cold probes made.
func removeColdCopies(l layout) {
	os.RemoveAll(filepath.Join(l.origin(), "media", "cold"))
	os.RemoveAll(filepath.Join(l.hlsRoot(), "cold"))
}

func check(err error) {
	if err != nil {
		log.Fatal(err)
	}
}
