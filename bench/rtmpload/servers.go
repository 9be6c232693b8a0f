package main

import (
	"fmt"
	"path/filepath"

	"github.com/streamfront/streamfront/bench/internal/harness"
)

// startStreamfront runs `streamfront serve` with a directory origin and
// creates a distribution of its media bucket through the API.
func startStreamfront(dir, bin string) (server, error) {
	bin, err := harness.BuildStreamfront(dir, bin)
	if err != nil {
		return server{}, err
	}
	rtmp, err := harness.FreeAddr()
	if err != nil {
		return server{}, err
	}
	sf, err := harness.StartServe(bin, dir, nil, "--deploy-delay", "0s",
		"--rtmp-listen", rtmp, "--origin-dir", filepath.Join(dir, "origin"))
	if err != nil {
		return server{}, err
	}
	if err := harness.WaitListening(rtmp); err != nil {
		sf.Stop()
		return server{}, err
	}
	domain, err := sf.CreateDistribution("rtmpload")
	if err != nil {
		sf.Stop()
		return server{}, err
	}
	return server{
		target: target{addr: rtmp, app: "cfx/st", tcURL: "rtmp://" + domain + "/cfx/st", stream: "mp4:clip.mp4"},
		pids:   sf.PIDs,
		stop:   sf.Stop,
	}, nil
}

// nginxConf serves the clip's directory with nginx-rtmp's play module, one
// worker.
const nginxConf = `load_module /usr/lib/nginx/modules/ngx_rtmp_module.so;
%s
worker_processes 1;
events { worker_connections 16384; }
rtmp {
	server {
		listen %s;
		chunk_size 4096;
		application vod {
			play %s;
		}
	}
}
`

// startNginx runs nginx with libnginx-mod-rtmp on a generated configuration.
func startNginx(dir string) (server, error) {
	prefix := filepath.Join(dir, "nginx")
	addr, err := harness.FreeAddr()
	if err != nil {
		return server{}, err
	}
	media := filepath.Join(dir, "origin", "media")
	n, err := harness.StartNginx(prefix, fmt.Sprintf(nginxConf, harness.NginxHeader(prefix), addr, media), addr)
	if err != nil {
		return server{}, err
	}
	return server{
		target: target{addr: addr, app: "vod", tcURL: "rtmp://" + addr + "/vod", stream: "mp4:clip.mp4"},
		pids:   n.PIDs,
		stop:   n.Stop,
	}, nil
}
