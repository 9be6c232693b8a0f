package auth_test

import (
	"encoding/json"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront/types"

	"github.com/streamfront/streamfront/internal/testenv"
)

// ansibleInfo runs Debian's community.aws.cloudfront_distribution_info
// module against srv with key k and returns the module's result.
func ansibleInfo(t *testing.T, srv *testenv.Server, k testenv.Key, args string) map[string]any {
	t.Helper()
	bin := testenv.Require(t, "ansible")
	home := t.TempDir()
	cmd := exec.Command(bin, "localhost", "-o", "-m", "community.aws.cloudfront_distribution_info",
		"-a", "endpoint_url="+srv.URL+" "+args)
	cmd.Env = append(os.Environ(), "HOME="+home, "ANSIBLE_LOCAL_TEMP="+home, "ANSIBLE_HOME="+home,
		"AWS_ACCESS_KEY_ID="+k.ID, "AWS_SECRET_ACCESS_KEY="+k.Secret, "AWS_DEFAULT_REGION=us-east-1",
		"AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null", "ANSIBLE_LOCALHOST_WARNING=false")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("ansible %s: %v\n%s", args, err, out)
	}
	_, js, ok := strings.Cut(string(out), "SUCCESS => ")
	var res map[string]any
	if !ok || json.Unmarshal([]byte(js), &res) != nil {
		t.Fatalf("ansible %s: no result in\n%s", args, out)
	}
	return res["cloudfront"].(map[string]any)
}

// TestAnsibleCloudFrontInfo: Ansible's CloudFront info module (botocore
// underneath, signing every request) runs its default call, the summary —
// web distributions, streaming distributions with their ETags and tags,
// OAIs — and the streaming-distribution listing, against a secure server.
func TestAnsibleCloudFrontInfo(t *testing.T) {
	srv := secure(t, testenv.Options{})
	a := srv.ClientFor(testenv.KeyA)
	out, err := a.CreateStreamingDistributionWithTags(ctx, &cloudfront.CreateStreamingDistributionWithTagsInput{
		StreamingDistributionConfigWithTags: &types.StreamingDistributionConfigWithTags{StreamingDistributionConfig: distConfig("ansible"),
			Tags: &types.Tags{Items: []types.Tag{{Key: aws.String("team"), Value: aws.String("video")}}}}})
	if err != nil {
		t.Fatal(err)
	}
	id := *out.StreamingDistribution.Id
	oai, err := a.CreateCloudFrontOriginAccessIdentity(ctx, &cloudfront.CreateCloudFrontOriginAccessIdentityInput{
		CloudFrontOriginAccessIdentityConfig: &types.CloudFrontOriginAccessIdentityConfig{CallerReference: aws.String("ansible"), Comment: aws.String("c")}})
	if err != nil {
		t.Fatal(err)
	}

	summary := ansibleInfo(t, srv, testenv.KeyA, "")["summary"].(map[string]any)
	if d := summary["distributions"].([]any); len(d) != 0 {
		t.Fatalf("web distributions: %v", d)
	}
	sds := summary["streaming_distributions"].([]any)
	if len(sds) != 1 {
		t.Fatalf("streaming distributions: %v", sds)
	}
	sd := sds[0].(map[string]any)
	if sd["Id"] != id || sd["ETag"] != *out.ETag || sd["Tags"].(map[string]any)["team"] != "video" {
		t.Fatalf("summary of %s: %v", id, sd)
	}
	oais := summary["origin_access_identities"].([]any)
	if len(oais) != 1 || oais[0].(map[string]any)["Id"] != *oai.CloudFrontOriginAccessIdentity.Id {
		t.Fatalf("OAIs: %v", oais)
	}

	listed := ansibleInfo(t, srv, testenv.KeyA, "list_streaming_distributions=true")["streaming_distributions"].(map[string]any)
	if d, ok := listed[id].(map[string]any); !ok || d["ARN"] != *out.StreamingDistribution.ARN {
		t.Fatalf("list_streaming_distributions: %v", listed)
	}
	// Account B sees nothing of A's.
	summary = ansibleInfo(t, srv, testenv.KeyB, "summary=true")["summary"].(map[string]any)
	if len(summary["streaming_distributions"].([]any)) != 0 || len(summary["origin_access_identities"].([]any)) != 0 {
		t.Fatalf("account B's summary: %v", summary)
	}
}
