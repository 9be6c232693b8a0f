package main

import (
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"time"

	"github.com/streamfront/streamfront/bench/internal/harness"
)

// server is a running HTTP server under test.
type server struct {
	name   string
	target target
	pids   func() []int // processes whose CPU and memory count
	stop   func()
}

// layout is where a run keeps its media: the clip in the directory origin's
// bucket "media" (origin/media/clip.mp4) and nginx's static HLS of it
// (hls/clip/index.m3u8, init.mp4, seg<N>.m4s). Cold copies are hard links
// under origin/media/cold/ and hls/cold/.
type layout struct {
	dir     string
	segment time.Duration
}

func (l layout) origin() string  { return filepath.Join(l.dir, "origin") }
func (l layout) clip() string    { return filepath.Join(l.dir, "origin", "media", "clip.mp4") }
func (l layout) hlsRoot() string { return filepath.Join(l.dir, "hls") }

// packageClip has ffmpeg write the clip as static fMP4 HLS files for nginx,
// unless they are there from an earlier run with the same segment duration.
func (l layout) packageClip() error {
	out := filepath.Join(l.hlsRoot(), "clip-"+strconv.Itoa(int(l.segment.Seconds()))+"s")
	if _, err := os.Stat(filepath.Join(out, "index.m3u8")); err == nil {
		return l.linkPackaged(out)
	}
	tmp := out + ".tmp"
	os.RemoveAll(tmp)
	if err := os.MkdirAll(tmp, 0o755); err != nil {
		return err
	}
	cmd := exec.Command("ffmpeg", "-v", "error", "-y", "-i", l.clip(), "-c", "copy",
		"-f", "hls", "-hls_segment_type", "fmp4", "-hls_time", strconv.Itoa(int(l.segment.Seconds())),
		"-hls_playlist_type", "vod", "-hls_fmp4_init_filename", "init.mp4",
		"-hls_segment_filename", filepath.Join(tmp, "seg%d.m4s"), filepath.Join(tmp, "index.m3u8"))
	if b, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("ffmpeg hls: %v\n%s", err, b)
	}
	if err := os.Rename(tmp, out); err != nil {
		return err
	}
	return l.linkPackaged(out)
}

// linkPackaged makes hls/clip the packaging of the current segment duration.
func (l layout) linkPackaged(dir string) error {
	link := filepath.Join(l.hlsRoot(), "clip")
	os.Remove(link)
	return os.Symlink(filepath.Base(dir), link)
}

// linkTree hard-links every file of src into dst (a new directory).
func linkTree(src, dst string) error {
	entries, err := os.ReadDir(src)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dst, 0o755); err != nil {
		return err
	}
	for _, e := range entries {
		if err := os.Link(filepath.Join(src, e.Name()), filepath.Join(dst, e.Name())); err != nil {
			return err
		}
	}
	return nil
}

// startStreamfront runs `streamfront serve` with the directory origin and
// its HTTP edge, creates a distribution of the bucket and targets its domain.
func startStreamfront(l layout, bin string, env []string) (server, error) {
	rtmp, err := harness.FreeAddr()
	if err != nil {
		return server{}, err
	}
	web, err := harness.FreeAddr()
	if err != nil {
		return server{}, err
	}
	sf, err := harness.StartServe(bin, l.dir, env, "--rtmp-listen", rtmp, "--http-listen", web,
		"--hls-segment-duration", l.segment.String(), "--origin-dir", l.origin())
	if err != nil {
		return server{}, err
	}
	if err := harness.WaitListening(web); err != nil {
		sf.Stop()
		return server{}, err
	}
	domain, err := sf.CreateDistribution(fmt.Sprintf("hlsload-%d", time.Now().UnixNano()))
	if err != nil {
		sf.Stop()
		return server{}, err
	}
	base := "http://" + web + "/"
	if err := waitServing(base+"clip.mp4/index.m3u8", domain); err != nil {
		sf.Stop()
		return server{}, err
	}
	return server{
		name: "streamfront",
		target: target{
			host: domain,
			warm: base + "clip.mp4/index.m3u8",
			cold: func(name string) (string, error) {
				key := "cold/" + name + ".mp4"
				path := filepath.Join(l.origin(), "media", key)
				if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
					return "", err
				}
				return base + key + "/index.m3u8", os.Link(l.clip(), path)
			},
		},
		pids: sf.PIDs,
		stop: sf.Stop,
	}, nil
}

// waitServing waits up to a minute until url answers 200 with Host host:
// the edge serves a new distribution once its follower has read it from
// the store (serve runs with its default --deploy-delay, as in production,
// so that the deployer polls the store at its usual pace).
func waitServing(url, host string) error {
	deadline := time.Now().Add(time.Minute)
	for {
		req, err := http.NewRequest(http.MethodGet, url, nil)
		if err != nil {
			return err
		}
		req.Host = host
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
			err = fmt.Errorf("%s", resp.Status)
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s (Host %s) not served: %v", url, host, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// nginxConf serves the static HLS files with sendfile, as a CDN origin
// would: no access log, long keep-alive, the Cache-Control streamfront sends,
// and the listen backlog Go's listeners get (net.core.somaxconn, 4096 here):
// with nginx's default of 511, 2,000 players starting at 100/s overflowed
// its accept queue and 373 of them timed out.
const nginxConf = `%s
worker_processes %s;
worker_rlimit_nofile 20000;
events { worker_connections 16384; }
http {
	types {
		application/vnd.apple.mpegurl m3u8;
		video/mp4 mp4 m4s;
	}
	default_type application/octet-stream;
	sendfile on;
	tcp_nopush on;
	access_log off;
	keepalive_timeout 120s;
	keepalive_requests 100000;
	server {
		listen %s backlog=4096;
		root %s;
		location ~ \.m3u8$ { add_header Cache-Control "public, max-age=60"; }
		location / { add_header Cache-Control "public, max-age=31536000, immutable"; }
	}
}
`

// startNginx runs Debian's nginx on a generated configuration serving the
// pre-packaged HLS files with workers worker processes ("1" or "auto").
func startNginx(l layout, workers string) (server, error) {
	prefix := filepath.Join(l.dir, "nginx")
	addr, err := harness.FreeAddr()
	if err != nil {
		return server{}, err
	}
	conf := fmt.Sprintf(nginxConf, harness.NginxHeader(prefix), workers, addr, l.hlsRoot())
	n, err := harness.StartNginx(prefix, conf, addr)
	if err != nil {
		return server{}, err
	}
	base := "http://" + addr + "/"
	return server{
		name: "nginx",
		target: target{
			warm: base + "clip/index.m3u8",
			cold: func(name string) (string, error) {
				src, err := filepath.EvalSymlinks(filepath.Join(l.hlsRoot(), "clip"))
				if err != nil {
					return "", err
				}
				return base + "cold/" + name + "/index.m3u8", linkTree(src, filepath.Join(l.hlsRoot(), "cold", name))
			},
		},
		pids: n.PIDs,
		stop: n.Stop,
	}, nil
}
