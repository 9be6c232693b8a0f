// Command streamfront is a self-hosted CloudFront streaming (RTMP)
// distribution service: `streamfront serve` runs the API (and an RTMP edge
// once an origin is configured), `streamfront edge` an edge alone.
package main

import (
	"fmt"
	"os"
	"runtime/pprof"
)

const usage = `usage: streamfront <command> [flags]

commands:
  serve     run the CloudFront API server (and an RTMP edge with --origin-dir/--origin-endpoint)
  edge      run an RTMP edge alone, following the API's store
  accounts  add-key: generate and record an access key (see docs/secure-mode.md)
  keypair   create: generate a CloudFront key pair, record its public key
  version   print the version
`

// Version is set at build time with -ldflags "-X main.Version=...".
var Version = "dev"

func main() {
	if len(os.Args) < 2 {
		fmt.Fprint(os.Stderr, usage)
		os.Exit(2)
	}
	// For benchmarks (bench/apiload): a CPU profile of the whole command.
	if path := os.Getenv("STREAMFRONT_CPUPROFILE"); path != "" {
		if f, err := os.Create(path); err == nil && pprof.StartCPUProfile(f) == nil {
			defer pprof.StopCPUProfile()
		}
	}
	err := runCommand(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, "streamfront:", err)
		pprof.StopCPUProfile()
		os.Exit(1)
	}
}

func runCommand(cmd string) error {
	var err error
	switch cmd {
	case "serve":
		err = serve(os.Args[2:])
	case "edge":
		err = edgeCmd(os.Args[2:])
	case "accounts":
		err = accountsCmd(os.Args[2:])
	case "keypair":
		err = keypairCmd(os.Args[2:])
	case "version":
		fmt.Println("streamfront", Version)
	case "-h", "--help", "help":
		fmt.Print(usage)
	default:
		fmt.Fprintf(os.Stderr, "unknown command %q\n\n%s", cmd, usage)
		os.Exit(2)
	}
	return err
}
