// Package procstat reads the CPU time and memory of processes from /proc,
// for the benchmarks that compare servers on one machine.
package procstat

import (
	"fmt"
	"os"
	"strconv"
	"strings"
)

// Children lists the processes whose parent is pid.
func Children(pid int) []int {
	var out []int
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		p, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if f := statFields(p); len(f) > 1 && f[1] == strconv.Itoa(pid) { // field 4: ppid
			out = append(out, p)
		}
	}
	return out
}

// statFields returns the fields of /proc/pid/stat after the command name:
// element i is field i+3 of proc(5) (state, ppid, …).
func statFields(pid int) []string {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return nil
	}
	s := string(b)
	// The command name (field 2) may contain spaces; it ends at the last ')'.
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return nil
	}
	return strings.Fields(s[i+1:])
}

// CPUSeconds is the user+system CPU time of the processes.
func CPUSeconds(pids []int) float64 {
	const clkTck = 100 // USER_HZ on Linux
	var ticks int64
	for _, p := range pids {
		f := statFields(p)
		if len(f) > 12 {
			u, _ := strconv.ParseInt(f[11], 10, 64) // field 14: utime
			s, _ := strconv.ParseInt(f[12], 10, 64) // field 15: stime
			ticks += u + s
		}
	}
	return float64(ticks) / clkTck
}

// AnonKiB is the resident anonymous memory (RssAnon) of the processes.
func AnonKiB(pids []int) int64 {
	var total int64
	for _, p := range pids {
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", p))
		if err != nil {
			continue
		}
		for _, line := range strings.Split(string(b), "\n") {
			if v, ok := strings.CutPrefix(line, "RssAnon:"); ok {
				n, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
				total += n
			}
		}
	}
	return total
}
