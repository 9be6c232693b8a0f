package main

import (
	"flag"
	"fmt"
	"path/filepath"
	"time"

	"github.com/streamfront/streamfront/internal/edge/accesslog"
)

// accessLogFlags say how the edge writes the access logs of distributions
// with Logging enabled.
type accessLogFlags struct {
	interval     time.Duration
	edgeLocation string
	spool        string
}

func (f *accessLogFlags) register(fs *flag.FlagSet) {
	fs.DurationVar(&f.interval, "access-log-interval", time.Minute, "how often access logs are written to logging buckets (and at shutdown)")
	fs.StringVar(&f.edgeLocation, "edge-location", "SFE1", "x-edge-location written in access logs")
	fs.StringVar(&f.spool, "access-log-spool", "", "directory keeping access-log events until stored, so a killed process loses none; \"off\" keeps them in memory only (default <data-dir>/accesslog-spool)")
}

func (f *accessLogFlags) validate() error {
	if f.interval <= 0 {
		return fmt.Errorf("--access-log-interval must be positive")
	}
	return nil
}

// options returns the access-log options for logs stored on sink, with the
// spool in dataDir unless --access-log-spool names another directory.
func (f *accessLogFlags) options(sink accesslog.Sink, dataDir string) accesslog.Options {
	spool := f.spool
	switch spool {
	case "off":
		spool = ""
	case "":
		spool = filepath.Join(dataDir, "accesslog-spool")
	}
	return accesslog.Options{Sink: sink, FlushInterval: f.interval, EdgeLocation: f.edgeLocation, SpoolDir: spool}
}
