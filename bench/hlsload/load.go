package main

import (
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/streamfront/streamfront/bench/internal/harness"
)

// loadConfig is one measurement's shape.
type loadConfig struct {
	viewers   int
	ramp      time.Duration // time over which viewers start
	settle    time.Duration // after the last start-up burst, before the window
	idle      time.Duration // CPU of the idle server is measured over it
	window    time.Duration // CPU, bytes and memory are measured over it
	burst     int           // segments fetched back to back at start-up
	probes    int           // cold and warm start-up probes after the window
	probeTime time.Duration // spread over this long
	timeout   time.Duration // per request
	tag       string        // makes cold object names unique to this load
}

// report is what one load measured of one server.
type report struct {
	server, tag  string
	viewers      int
	loadBefore   float64 // machine's 1-min load average at the start
	loadAfter    float64
	cores        float64 // CPU cores the server's processes used in the window
	sysShare     float64 // the part of it spent in the kernel
	idleCores    float64 // CPU cores used before the viewers started
	softirq      float64 // machine-wide softirq cores in the window (harness.MachineCPU)
	steal        float64 // machine-wide steal cores in the window
	bytesPerSec  float64 // body bytes/s all viewers received in the window
	memPerViewer float64 // KiB of RssAnon under load less idle, per viewer
	viewerSeg    []time.Duration
	coldStart    []time.Duration
	coldSeg      []time.Duration
	warmStart    []time.Duration
	warmSeg      []time.Duration
	failures     map[error]int // errStatus, errTimeout, errShort, or nil for others
	firstErr     error
	probeErrs    int
	lateViewers  int
	maxLate      time.Duration
	conns        int   // connections the viewers opened
	segBytes     int64 // size of the first segment
}

func (r *report) perCore() float64      { return ratio(float64(r.viewers), r.cores) }
func (r *report) bytesPerCore() float64 { return ratio(r.bytesPerSec, r.cores) }
func (r *report) errors() int {
	n := 0
	for _, c := range r.failures {
		n += c
	}
	return n
}

func ratio(a, b float64) float64 {
	if b <= 0 {
		return 0
	}
	return a / b
}

// load runs c.viewers players against s and measures it.
func load(s server, c loadConfig) (*report, error) {
	r := &report{server: s.name, tag: c.tag, viewers: c.viewers, failures: map[error]int{}, loadBefore: harness.LoadAvg()}
	var bytes atomic.Int64
	// One warm-up start so that the warm object's index (streamfront) and
	// files (nginx) are in place, then the idle memory.
	warm := newPlayer(s.target.host, c.timeout, &bytes)
	st, err := warm.begin(s.target.warm)
	warm.close()
	if err != nil {
		return nil, fmt.Errorf("warm-up: %w", err)
	}
	if need := c.ramp + c.settle + c.window + c.probeTime + time.Duration(c.burst+2)*st.pl.target; st.pl.mediaDuration() < need {
		return nil, fmt.Errorf("the clip plays %v, a viewer needs %v: raise -clip-seconds", st.pl.mediaDuration(), need)
	}
	r.segBytes = st.segBytes
	time.Sleep(500 * time.Millisecond)
	memBefore := harness.AnonKiB(s.pids())
	idle0, i0 := harness.CPUSeconds(s.pids()), time.Now()
	time.Sleep(c.idle)
	r.idleCores = ratio(harness.CPUSeconds(s.pids())-idle0, time.Since(i0).Seconds())

	stop := make(chan struct{})
	results := make([]result, c.viewers)
	var played, bursts sync.WaitGroup
	bursts.Add(c.viewers)
	began := time.Now()
	for i := range c.viewers {
		played.Add(1)
		go func() {
			defer played.Done()
			p := newPlayer(s.target.host, c.timeout, &bytes)
			defer p.close()
			results[i] = p.play(s.target.warm, c.burst, stop, bursts.Done)
		}()
		time.Sleep(time.Until(began.Add(time.Duration(i+1) * c.ramp / time.Duration(c.viewers))))
	}
	bursts.Wait()
	time.Sleep(c.settle)

	user0, sys0 := harness.CPUTimes(s.pids())
	softirq0, steal0 := harness.MachineCPU()
	bytes0, t0 := bytes.Load(), time.Now()
	// Memory is the mean of samples across the window (a garbage-collected
	// heap breathes).
	var memSum int64
	const samples = 10
	for range samples {
		time.Sleep(c.window / samples)
		memSum += harness.AnonKiB(s.pids())
	}
	user1, sys1 := harness.CPUTimes(s.pids())
	softirq1, steal1 := harness.MachineCPU()
	bytes1, t1 := bytes.Load(), time.Now()
	r.softirq = (softirq1 - softirq0) / t1.Sub(t0).Seconds()
	r.steal = (steal1 - steal0) / t1.Sub(t0).Seconds()
	r.cores = (user1 - user0 + sys1 - sys0) / t1.Sub(t0).Seconds()
	r.sysShare = ratio(sys1-sys0, user1-user0+sys1-sys0)
	r.bytesPerSec = float64(bytes1-bytes0) / t1.Sub(t0).Seconds()
	r.memPerViewer = float64(memSum/samples-memBefore) / float64(c.viewers)

	probe(s.target, c, r, &bytes)
	close(stop)
	played.Wait()
	r.loadAfter = harness.LoadAvg()
	for _, v := range results {
		r.add(v)
	}
	return r, nil
}

// probe measures start-up (playlist, init, first segment) of a new viewer
// while the others play: alternately on an object no one requested before
// (cold: a new copy each time) and on the one every viewer plays (warm).
func probe(t target, c loadConfig, r *report, bytes *atomic.Int64) {
	if c.probes <= 0 {
		return
	}
	gap := c.probeTime / time.Duration(2*c.probes)
	for i := range c.probes {
		url, err := t.cold(fmt.Sprintf("%s-%d", c.tag, i))
		if err != nil {
			r.probeErrs++
			r.noteErr(fmt.Errorf("cold copy: %w", err))
			continue
		}
		for _, u := range []string{url, t.warm} {
			time.Sleep(gap)
			p := newPlayer(t.host, c.timeout, bytes)
			st, err := p.begin(u)
			p.close()
			switch {
			case err != nil:
				r.probeErrs++
				r.noteErr(fmt.Errorf("probe %s: %w", u, err))
			case u == t.warm:
				r.warmStart, r.warmSeg = append(r.warmStart, st.startup), append(r.warmSeg, st.firstSeg)
			default:
				r.coldStart, r.coldSeg = append(r.coldStart, st.startup), append(r.coldSeg, st.firstSeg)
			}
		}
	}
}

// add counts one viewer's result.
func (r *report) add(v result) {
	r.conns += v.conns
	if v.stalls > 0 {
		r.lateViewers++
		r.maxLate = max(r.maxLate, v.maxLate)
	}
	if v.segments > 0 {
		r.viewerSeg = append(r.viewerSeg, v.firstSeg)
	}
	if v.err == nil {
		return
	}
	var class error
	for _, e := range []error{errStatus, errTimeout, errShort} {
		if errors.Is(v.err, e) {
			class = e
		}
	}
	r.failures[class]++
	r.noteErr(v.err)
}

func (r *report) noteErr(err error) {
	if r.firstErr == nil {
		r.firstErr = err
	}
}
