package main

import (
	"fmt"
	"io"
	"sort"
	"time"

	"github.com/streamfront/streamfront/bench/internal/harness"
)

// line is a one-line summary, logged as each load ends.
func (r *report) line() string {
	return fmt.Sprintf("%s %d viewers: %.2f cores, %.0f viewers/core, %.1f MB/s, cold start %s, errors %d",
		r.server, r.viewers, r.cores, r.perCore(), r.bytesPerSec/1e6, harness.Pct(r.coldStart, 50), r.errors())
}

func printReports(w io.Writer, rs []*report) {
	fmt.Fprintf(w, "%-12s %7s %9s %5s %6s %5s %5s %5s %9s %11s %10s %8s %5s %5s %6s %6s %5s\n",
		"server", "viewers", "load avg", "idle", "cores", "sys%", "sirq", "steal", "view/core", "MB/s/core", "KiB/viewer", "conns", "late",
		"non2xx", "tmout", "short", "other")
	for _, r := range rs {
		fmt.Fprintf(w, "%-12s %7d %4.1f→%-4.1f %5.3f %6.2f %5.0f %5.2f %5.2f %9.0f %11.1f %10.1f %8d %5d %5d %6d %6d %5d\n",
			r.server, r.viewers, r.loadBefore, r.loadAfter, r.idleCores, r.cores, 100*r.sysShare, r.softirq, r.steal, r.perCore(), r.bytesPerCore()/1e6, r.memPerViewer,
			r.conns, r.lateViewers, r.failures[errStatus], r.failures[errTimeout], r.failures[errShort], r.failures[nil])
	}
	fmt.Fprintf(w, "\nlatency p50/p99 (start = playlist+init+first segment; seg = first segment alone)\n")
	fmt.Fprintf(w, "%-12s %7s %18s %18s %18s %18s %18s %7s\n",
		"server", "viewers", "cold start", "cold seg", "warm start", "warm seg", "viewers' seg", "seg KiB")
	for _, r := range rs {
		fmt.Fprintf(w, "%-12s %7d %18s %18s %18s %18s %18s %7d\n", r.server, r.viewers,
			p50p99(r.coldStart), p50p99(r.coldSeg), p50p99(r.warmStart), p50p99(r.warmSeg), p50p99(r.viewerSeg), r.segBytes>>10)
	}
	for _, r := range rs {
		if r.firstErr != nil {
			fmt.Fprintf(w, "%s %d (%s): first error: %v (probe errors %d)\n", r.server, r.viewers, r.tag, r.firstErr, r.probeErrs)
		}
	}
	printRatios(w, rs)
}

// printRatios prints streamfront's viewers per core over nginx's for each
// round of each viewer count, also net of each server's idle CPU.
func printRatios(w io.Writer, rs []*report) {
	type pair struct{ sf, ng []*report }
	byCount := map[int]*pair{}
	var ns []int
	for _, r := range rs {
		p := byCount[r.viewers]
		if p == nil {
			p = &pair{}
			byCount[r.viewers] = p
			ns = append(ns, r.viewers)
		}
		switch r.server {
		case "streamfront":
			p.sf = append(p.sf, r)
		case "nginx":
			p.ng = append(p.ng, r)
		}
	}
	sort.Ints(ns)
	fmt.Fprintln(w)
	for _, n := range ns {
		p := byCount[n]
		for i := range min(len(p.sf), len(p.ng)) {
			sf, ng := p.sf[i], p.ng[i]
			net := ratio(ratio(float64(n), sf.cores-sf.idleCores), ratio(float64(n), ng.cores-ng.idleCores))
			fmt.Fprintf(w, "%d viewers, round %d: streamfront / nginx viewers per core %.2fx (net of idle %.2fx)\n",
				n, i+1, ratio(sf.perCore(), ng.perCore()), net)
		}
	}
}

func p50p99(ds []time.Duration) string { return harness.Pct(ds, 50) + " / " + harness.Pct(ds, 99) }
