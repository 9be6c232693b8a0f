package main

import (
	"context"
	"flag"
	"fmt"

	"github.com/streamfront/streamfront/internal/node"
)

// edgeCmd is `streamfront edge`: an RTMP edge alone, following the store of
// the API nodes (the same PostgreSQL --store, or SQLite --data-dir).
func edgeCmd(args []string) error {
	fs, c, metricsListen := edgeFlagSet()
	if err := fs.Parse(args); err != nil {
		return err
	}
	if !c.edge.enabled() {
		return fmt.Errorf("an origin is required: --origin-dir or --origin-endpoint")
	}
	if err := c.validate(); err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if err := c.edge.startTLS(ctx, c.log.logger()); err != nil {
		return err
	}
	return runNode(c, sharedStore, func(sec *security) node.Config {
		cfg := c.nodeConfig(sec)
		cfg.MetricsListen = *metricsListen
		return cfg
	})
}

// edgeFlagSet declares every flag of `streamfront edge`: serve's common
// groups and --metrics-listen.
func edgeFlagSet() (fs *flag.FlagSet, c *commonFlags, metricsListen *string) {
	fs = flag.NewFlagSet("edge", flag.ContinueOnError)
	c = &commonFlags{}
	c.register(fs)
	metricsListen = fs.String("metrics-listen", "", "serve Prometheus /metrics on this address (default: off)")
	return fs, c, metricsListen
}
