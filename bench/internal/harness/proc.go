// Package harness is what the load tools under bench/ share: starting
// `streamfront serve` with a distribution, starting Debian's nginx on a
// generated configuration, generating the test clip, and measuring a server's
// processes (CPU from /proc/PID/stat, anonymous memory from RssAnon).
package harness

import (
	"fmt"
	"os"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
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
	user, system := CPUTimes(pids)
	return user + system
}

// CPUTimes is the user and the system CPU time of the processes, in seconds.
func CPUTimes(pids []int) (user, system float64) {
	const clkTck = 100 // USER_HZ on Linux
	var u, s int64
	for _, p := range pids {
		f := statFields(p)
		if len(f) > 12 {
			ut, _ := strconv.ParseInt(f[11], 10, 64) // field 14: utime
			st, _ := strconv.ParseInt(f[12], 10, 64) // field 15: stime
			u, s = u+ut, s+st
		}
	}
	return float64(u) / clkTck, float64(s) / clkTck
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

// LoadAvg is the machine's 1-minute load average (0 if unknown), to print
// beside figures taken on a shared machine.
func LoadAvg() float64 {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return 0
	}
	f := strings.Fields(string(b))
	if len(f) == 0 {
		return 0
	}
	v, _ := strconv.ParseFloat(f[0], 64)
	return v
}

// Pct formats the p-th percentile of ds in milliseconds, "-" when empty.
func Pct(ds []time.Duration, p int) string {
	if len(ds) == 0 {
		return "-"
	}
	s := slices.Clone(ds)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	d := s[min(len(s)-1, len(s)*p/100)]
	return fmt.Sprintf("%.1fms", float64(d.Microseconds())/1000)
}

// MachineCPU is the whole machine's CPU time in softirq and steal, in
// seconds (/proc/stat). On loopback a sender's packets are received in
// softirq, charged to the sending process while the machine is quiet and
// to ksoftirqd (no one's process) when it is busy; steal is time the
// hypervisor gave to other guests. Either, high in a window, makes that
// window's per-process CPU unreliable.
func MachineCPU() (softirq, steal float64) {
	const clkTck = 100
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0, 0
	}
	line, _, _ := strings.Cut(string(b), "\n")
	f := strings.Fields(line) // cpu user nice system idle iowait irq softirq steal …
	if len(f) < 9 || f[0] != "cpu" {
		return 0, 0
	}
	si, _ := strconv.ParseInt(f[7], 10, 64)
	st, _ := strconv.ParseInt(f[8], 10, 64)
	return float64(si) / clkTck, float64(st) / clkTck
}
