package harness

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront/types"
)

// BuildStreamfront returns bin, or when it is "" builds cmd/streamfront into
// dir and returns that path.
func BuildStreamfront(dir, bin string) (string, error) {
	if bin != "" {
		return bin, nil
	}
	bin = filepath.Join(dir, "streamfront")
	out, err := exec.Command("go", "build", "-o", bin, "github.com/streamfront/streamfront/cmd/streamfront").CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("go build: %v\n%s", err, out)
	}
	return bin, nil
}

// Serve is a running `streamfront serve` process.
type Serve struct {
	API  string // host:port of the CloudFront API
	cmd  *exec.Cmd
	logf *os.File
	data string // its data directory, removed by Stop
}

// StartServe runs `bin serve` with a fresh data directory under dir, the API
// on a free port, and args (listeners, origin, …); its output
// goes to dir/streamfront.log. env is added to the process's environment
// (STREAMFRONT_CPUPROFILE=…). It returns once the API is healthy.
func StartServe(bin, dir string, env []string, args ...string) (*Serve, error) {
	api, err := FreeAddr()
	if err != nil {
		return nil, err
	}
	data, err := os.MkdirTemp(dir, "data")
	if err != nil {
		return nil, err
	}
	logf, err := os.Create(filepath.Join(dir, "streamfront.log"))
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, append([]string{"serve", "--listen", api, "--data-dir", data}, args...)...)
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.Env = append(os.Environ(), env...)
	if err := cmd.Start(); err != nil {
		logf.Close()
		os.RemoveAll(data)
		return nil, err
	}
	s := &Serve{API: api, cmd: cmd, logf: logf, data: data}
	if err := waitHealthy("http://" + api); err != nil {
		s.Stop()
		return nil, err
	}
	return s, nil
}

// PIDs are the processes whose CPU and memory count: the serve process.
func (s *Serve) PIDs() []int { return []int{s.cmd.Process.Pid} }

// Stop ends the process with SIGTERM (so a CPU profile is written), waits,
// and removes its data directory (the edge's caches live there).
func (s *Serve) Stop() {
	s.cmd.Process.Signal(syscall.SIGTERM)
	s.cmd.Wait()
	s.logf.Close()
	os.RemoveAll(s.data)
}

// CreateDistribution creates an enabled streaming distribution of the
// bucket "media" without trusted signers through the API and returns its
// DomainName.
func (s *Serve) CreateDistribution(callerRef string) (string, error) {
	c := cloudfront.New(cloudfront.Options{
		Region: "us-east-1", BaseEndpoint: aws.String("http://" + s.API),
		Credentials: credentials.NewStaticCredentialsProvider("AKID", "secret", ""),
	})
	out, err := c.CreateStreamingDistribution(context.Background(), &cloudfront.CreateStreamingDistributionInput{
		StreamingDistributionConfig: &types.StreamingDistributionConfig{
			CallerReference: aws.String(callerRef), Comment: aws.String("benchmark"), Enabled: aws.Bool(true),
			S3Origin:       &types.S3Origin{DomainName: aws.String("media.s3.amazonaws.com"), OriginAccessIdentity: aws.String("")},
			TrustedSigners: &types.TrustedSigners{Enabled: aws.Bool(false), Quantity: aws.Int32(0)},
		}})
	if err != nil {
		return "", err
	}
	return *out.StreamingDistribution.DomainName, nil
}
