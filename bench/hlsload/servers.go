package main

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront/types"

	"github.com/streamfront/streamfront/bench/internal/procstat"
)

// server is a running HTTP server under test. target(name) is where a
// player finds the HLS rendition of the object name ("clip.mp4", …).
type server struct {
	target func(name string) target
	pids   func() []int
	stop   func()
}

// makeClip generates a 1280x720 H.264 (-kbps) + AAC MP4 of secs seconds
// with a key frame every 2 s at path, unless it is there.
func makeClip(path string, secs, kbps int) error {
	if _, err := os.Stat(path); err == nil {
		return nil
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	d, rate := strconv.Itoa(secs), strconv.Itoa(kbps)+"k"
	out, err := exec.Command("ffmpeg", "-v", "error", "-y",
		"-f", "lavfi", "-i", "testsrc2=size=1280x720:rate=25:duration="+d,
		"-f", "lavfi", "-i", "sine=frequency=440:sample_rate=44100:duration="+d,
		"-c:v", "libx264", "-preset", "veryfast", "-b:v", rate, "-maxrate", rate, "-bufsize", rate,
		"-g", "50", "-pix_fmt", "yuv420p", "-c:a", "aac", "-b:a", "96k", path).CombinedOutput()
	if err != nil {
		return fmt.Errorf("ffmpeg: %v\n%s", err, out)
	}
	return nil
}

// prepackage writes the fMP4 HLS rendition nginx serves: what ffmpeg's HLS
// muxer makes of the clip, 6 s segments, in dir.
func prepackage(clip, dir string) error {
	if _, err := os.Stat(filepath.Join(dir, "index.m3u8")); err == nil {
		return nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	out, err := exec.Command("ffmpeg", "-v", "error", "-y", "-i", clip, "-c", "copy", "-f", "hls",
		"-hls_time", "6", "-hls_playlist_type", "vod", "-hls_segment_type", "fmp4",
		"-hls_fmp4_init_filename", "init.mp4", "-hls_segment_filename", filepath.Join(dir, "seg-%d.m4s"),
		filepath.Join(dir, "index.m3u8")).CombinedOutput()
	if err != nil {
		return fmt.Errorf("ffmpeg hls: %v\n%s", err, out)
	}
	return nil
}

func freeAddr() string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	check(err)
	defer ln.Close()
	return ln.Addr().String()
}

func waitHTTP(url string) error {
	deadline := time.Now().Add(60 * time.Second)
	for {
		resp, err := http.Get(url)
		if err == nil {
			resp.Body.Close()
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s not answering: %w", url, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// startStreamfront runs `streamfront serve` on the directory origin
// dir/origin and creates a distribution of its media bucket.
func startStreamfront(dir, bin string) (server, error) {
	api, httpAddr := freeAddr(), freeAddr()
	data, err := os.MkdirTemp(dir, "data")
	if err != nil {
		return server{}, err
	}
	logf, err := os.Create(filepath.Join(dir, "streamfront.log"))
	if err != nil {
		return server{}, err
	}
	cmd := exec.Command(bin, "serve", "--listen", api, "--data-dir", data, "--deploy-delay", "0s",
		"--rtmp-listen", "127.0.0.1:0", "--http-listen", httpAddr, "--origin-dir", filepath.Join(dir, "origin"))
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		return server{}, err
	}
	stop := func() { cmd.Process.Signal(syscall.SIGTERM); cmd.Wait(); logf.Close(); os.RemoveAll(data) }
	for _, url := range []string{"http://" + api + "/_streamfront/health", "http://" + httpAddr + "/"} {
		if err := waitHTTP(url); err != nil {
			stop()
			return server{}, err
		}
	}
	c := cloudfront.New(cloudfront.Options{
		Region: "us-east-1", BaseEndpoint: aws.String("http://" + api),
		Credentials: credentials.NewStaticCredentialsProvider("AKID", "secret", ""),
	})
	out, err := c.CreateStreamingDistribution(context.Background(), &cloudfront.CreateStreamingDistributionInput{
		StreamingDistributionConfig: &types.StreamingDistributionConfig{
			CallerReference: aws.String("hlsload"), Comment: aws.String("benchmark"), Enabled: aws.Bool(true),
			S3Origin:       &types.S3Origin{DomainName: aws.String("media.s3.amazonaws.com"), OriginAccessIdentity: aws.String("")},
			TrustedSigners: &types.TrustedSigners{Enabled: aws.Bool(false), Quantity: aws.Int32(0)},
		}})
	if err != nil {
		stop()
		return server{}, err
	}
	domain := *out.StreamingDistribution.DomainName
	return server{
		target: func(name string) target { return target{base: "http://" + httpAddr + "/" + name + "/", host: domain} },
		pids:   func() []int { return []int{cmd.Process.Pid} },
		stop:   stop,
	}, nil
}

// nginxConf serves the prepackaged renditions as static files: one worker,
// sendfile, keep-alive, no access log.
const nginxConf = `%s
worker_processes 1;
daemon off;
pid %s/nginx.pid;
error_log %s/error.log warn;
events { worker_connections 16384; }
http {
	sendfile on;
	tcp_nopush on;
	tcp_nodelay on;
	keepalive_requests 1000000;
	keepalive_timeout 120s;
	access_log off;
	types { application/vnd.apple.mpegurl m3u8; video/mp4 mp4 m4s; }
	server {
		listen %s;
		root %s;
	}
}
`

// startNginx runs Debian's nginx on the renditions below root.
func startNginx(dir, root string) (server, error) {
	prefix := filepath.Join(dir, "nginx")
	if err := os.MkdirAll(prefix, 0o755); err != nil {
		return server{}, err
	}
	user := ""
	if os.Geteuid() == 0 {
		user = "user root;" // the work directory is private to this user
	}
	addr := freeAddr()
	conf := filepath.Join(prefix, "nginx.conf")
	if err := os.WriteFile(conf, fmt.Appendf(nil, nginxConf, user, prefix, prefix, addr, root), 0o644); err != nil {
		return server{}, err
	}
	cmd := exec.Command("/usr/sbin/nginx", "-p", prefix, "-c", conf)
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		return server{}, err
	}
	master := cmd.Process.Pid
	stop := func() { cmd.Process.Signal(syscall.SIGQUIT); cmd.Wait() }
	if err := waitHTTP("http://" + addr + "/"); err != nil {
		stop()
		return server{}, err
	}
	return server{
		target: func(name string) target { return target{base: "http://" + addr + "/" + name + "/"} },
		pids:   func() []int { return append([]int{master}, procstat.Children(master)...) },
		stop:   stop,
	}, nil
}
