package main

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"syscall"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront/types"

	"github.com/streamfront/streamfront/bench/internal/procstat"
)

// makeClip generates a 1280x720 H.264 (2 Mb/s) + AAC (96 kb/s) MP4 of secs
// seconds at path, unless it is already there.
func makeClip(path string, secs int) error {
	if _, err := os.Stat(path); err == nil {
		return nil
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	d := strconv.Itoa(secs)
	out, err := exec.Command("ffmpeg", "-v", "error", "-y",
		"-f", "lavfi", "-i", "testsrc2=size=1280x720:rate=25:duration="+d,
		"-f", "lavfi", "-i", "sine=frequency=440:sample_rate=44100:duration="+d,
		"-c:v", "libx264", "-preset", "veryfast", "-b:v", "2000k", "-maxrate", "2000k", "-bufsize", "2000k",
		"-g", "50", "-pix_fmt", "yuv420p", "-c:a", "aac", "-b:a", "96k", "-movflags", "+faststart", path).CombinedOutput()
	if err != nil {
		return fmt.Errorf("ffmpeg: %v\n%s", err, out)
	}
	return nil
}

func freeAddr() string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	check(err)
	defer ln.Close()
	return ln.Addr().String()
}

func waitListening(addr string) error {
	deadline := time.Now().Add(60 * time.Second)
	for {
		c, err := net.Dial("tcp", addr)
		if err == nil {
			c.Close()
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s not listening: %w", addr, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// startStreamfront runs `streamfront serve` with a directory origin and
// creates a distribution of its media bucket through the API.
func startStreamfront(dir, bin string) (server, error) {
	if bin == "" {
		bin = filepath.Join(dir, "streamfront")
		out, err := exec.Command("go", "build", "-o", bin, "github.com/streamfront/streamfront/cmd/streamfront").CombinedOutput()
		if err != nil {
			return server{}, fmt.Errorf("go build: %v\n%s", err, out)
		}
	}
	api, rtmp := freeAddr(), freeAddr()
	data, err := os.MkdirTemp(dir, "data")
	if err != nil {
		return server{}, err
	}
	logf, err := os.Create(filepath.Join(dir, "streamfront.log"))
	if err != nil {
		return server{}, err
	}
	cmd := exec.Command(bin, "serve", "--listen", api, "--data-dir", data, "--deploy-delay", "0s",
		"--rtmp-listen", rtmp, "--http-listen", "off", "--origin-dir", filepath.Join(dir, "origin"))
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		return server{}, err
	}
	stop := func() { cmd.Process.Signal(syscall.SIGTERM); cmd.Wait(); logf.Close() }
	if err := waitListening(rtmp); err != nil {
		stop()
		return server{}, err
	}
	if err := waitHealthy("http://" + api); err != nil {
		stop()
		return server{}, err
	}
	c := cloudfront.New(cloudfront.Options{
		Region: "us-east-1", BaseEndpoint: aws.String("http://" + api),
		Credentials: credentials.NewStaticCredentialsProvider("AKID", "secret", ""),
	})
	out, err := c.CreateStreamingDistribution(context.Background(), &cloudfront.CreateStreamingDistributionInput{
		StreamingDistributionConfig: &types.StreamingDistributionConfig{
			CallerReference: aws.String("rtmpload"), Comment: aws.String("benchmark"), Enabled: aws.Bool(true),
			S3Origin:       &types.S3Origin{DomainName: aws.String("media.s3.amazonaws.com"), OriginAccessIdentity: aws.String("")},
			TrustedSigners: &types.TrustedSigners{Enabled: aws.Bool(false), Quantity: aws.Int32(0)},
		}})
	if err != nil {
		stop()
		return server{}, err
	}
	domain := *out.StreamingDistribution.DomainName
	return server{
		target: target{addr: rtmp, app: "cfx/st", tcURL: "rtmp://" + domain + "/cfx/st", stream: "mp4:clip.mp4"},
		pids:   func() []int { return []int{cmd.Process.Pid} },
		stop:   stop,
	}, nil
}

func waitHealthy(url string) error {
	deadline := time.Now().Add(60 * time.Second)
	for {
		resp, err := http.Get(url + "/_streamfront/health")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return nil
			}
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s not healthy: %v", url, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// nginxConf serves the clip's directory with nginx-rtmp's play module, one
// worker, in the foreground.
const nginxConf = `load_module /usr/lib/nginx/modules/ngx_rtmp_module.so;
%s
worker_processes 1;
daemon off;
pid %s/nginx.pid;
error_log %s/error.log warn;
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
	if err := os.MkdirAll(prefix, 0o755); err != nil {
		return server{}, err
	}
	user := ""
	if os.Geteuid() == 0 {
		user = "user root;" // the work directory is private to this user
	}
	addr := freeAddr()
	conf := filepath.Join(prefix, "nginx.conf")
	media := filepath.Join(dir, "origin", "media")
	if err := os.WriteFile(conf, fmt.Appendf(nil, nginxConf, user, prefix, prefix, addr, media), 0o644); err != nil {
		return server{}, err
	}
	cmd := exec.Command("/usr/sbin/nginx", "-p", prefix, "-c", conf)
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		return server{}, err
	}
	master := cmd.Process.Pid
	stop := func() { cmd.Process.Signal(syscall.SIGQUIT); cmd.Wait() }
	if err := waitListening(addr); err != nil {
		stop()
		return server{}, err
	}
	return server{
		target: target{addr: addr, app: "vod", tcURL: "rtmp://" + addr + "/vod", stream: "mp4:clip.mp4"},
		pids:   func() []int { return append([]int{master}, procstat.Children(master)...) },
		stop:   stop,
	}, nil
}

func numCPU() int { return runtime.NumCPU() }
