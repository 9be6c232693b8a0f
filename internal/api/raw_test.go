package api_test

import (
	"encoding/xml"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/streamfront/streamfront/internal/testenv"
)

// Wire-level tests for input no SDK produces: raw HTTP requests, as other
// clients (or broken ones) send them.

// errorCode returns the Code of a CloudFront ErrorResponse body, or "".
func errorCode(body string) string {
	var e struct {
		XMLName xml.Name `xml:"ErrorResponse"`
		Code    string   `xml:"Error>Code"`
	}
	if xml.Unmarshal([]byte(body), &e) != nil {
		return ""
	}
	return e.Code
}

const ns = `xmlns="http://cloudfront.amazonaws.com/doc/2020-05-31/"`

// modelOrder is a config with members in the model's order (as botocore
// sends them); alphabetical is the same config as the Go SDK orders it.
const modelOrder = `<?xml version="1.0" encoding="UTF-8"?>
<StreamingDistributionConfig ` + ns + `>
  <CallerReference>REF</CallerReference>
  <S3Origin><DomainName>media.s3.amazonaws.com</DomainName><OriginAccessIdentity></OriginAccessIdentity></S3Origin>
  <Aliases><Quantity>1</Quantity><Items><CNAME>REF.example.com</CNAME></Items></Aliases>
  <Comment>order</Comment>
  <Logging><Enabled>true</Enabled><Bucket>logs.s3.amazonaws.com</Bucket><Prefix>p/</Prefix></Logging>
  <TrustedSigners><Enabled>true</Enabled><Quantity>1</Quantity><Items><AwsAccountNumber>self</AwsAccountNumber></Items></TrustedSigners>
  <PriceClass>PriceClass_100</PriceClass>
  <Enabled>true</Enabled>
</StreamingDistributionConfig>`

const alphabetical = `<StreamingDistributionConfig ` + ns + `>
  <Aliases><Items><CNAME>REF.example.com</CNAME></Items><Quantity>1</Quantity></Aliases>
  <CallerReference>REF</CallerReference>
  <Comment>order</Comment>
  <Enabled>true</Enabled>
  <Logging><Bucket>logs.s3.amazonaws.com</Bucket><Enabled>true</Enabled><Prefix>p/</Prefix></Logging>
  <PriceClass>PriceClass_100</PriceClass>
  <S3Origin><DomainName>media.s3.amazonaws.com</DomainName><OriginAccessIdentity></OriginAccessIdentity></S3Origin>
  <TrustedSigners><Enabled>true</Enabled><Items><AwsAccountNumber>self</AwsAccountNumber></Items><Quantity>1</Quantity></TrustedSigners>
</StreamingDistributionConfig>`

func withRef(doc, ref string) []byte { return []byte(strings.ReplaceAll(doc, "REF", ref)) }

// configOf extracts the StreamingDistributionConfig element of a response.
var configRE = regexp.MustCompile(`(?s)<StreamingDistributionConfig>.*</StreamingDistributionConfig>`)

func TestMemberOrderAndContentType(t *testing.T) {
	srv := testenv.Start(t, testenv.Options{})
	url := srv.URL + "/2020-05-31/streaming-distribution"
	var stored []string
	for _, tc := range []struct {
		name, doc, contentType string
	}{
		{"model order", modelOrder, "text/xml"},
		{"alphabetical", alphabetical, "application/xml"},
		{"no content type", modelOrder, ""},
	} {
		ref := strings.ReplaceAll(tc.name, " ", "-")
		r := raw(t, http.MethodPost, url, tc.contentType, withRef(tc.doc, ref))
		if r.Status != http.StatusCreated {
			t.Fatalf("%s: %d %s", tc.name, r.Status, r.Body)
		}
		// Responses always list members in model order.
		cfg := configRE.FindString(strings.ReplaceAll(r.Body, ref, "REF"))
		stored = append(stored, cfg)
		if !regexp.MustCompile(`(?s)<CallerReference>.*<S3Origin>.*<Aliases>.*<Comment>.*<Logging>.*<TrustedSigners>.*<PriceClass>.*<Enabled>true</Enabled>\s*</StreamingDistributionConfig>`).MatchString(cfg) {
			t.Fatalf("%s: response members not in model order: %s", tc.name, cfg)
		}
		if ct := r.Header.Get("Content-Type"); ct != "text/xml" {
			t.Errorf("Content-Type %q", ct)
		}
	}
	if stored[0] != stored[1] || stored[1] != stored[2] {
		t.Fatalf("the same config stored differently:\n%s\n%s\n%s", stored[0], stored[1], stored[2])
	}
}

func TestBadRequestBodies(t *testing.T) {
	srv := testenv.Start(t, testenv.Options{})
	c := srv.Client()
	create(t, c, minimalConfig("existing"))
	created := raw(t, http.MethodPost, srv.URL+"/2020-05-31/streaming-distribution", "text/xml", withRef(modelOrder, "target"))
	if created.Status != http.StatusCreated {
		t.Fatalf("setup: %s", created.Body)
	}
	loc := created.Header.Get("Location")
	etag := created.Header.Get("ETag")
	createURL := srv.URL + "/2020-05-31/streaming-distribution"
	drop := func(element string) []byte {
		return []byte(regexp.MustCompile(`(?s)<`+element+`>.*?</`+element+`>`).ReplaceAllString(modelOrder, ""))
	}
	cases := []struct {
		name, method, url string
		body              []byte
		header            []string
		status            int
		code              string
	}{
		{"empty body", "POST", createURL, nil, nil, 400, "MissingBody"},
		{"whitespace body", "POST", createURL, []byte("  \n"), nil, 400, "MissingBody"},
		{"empty update body", "PUT", loc + "/config", nil, []string{"If-Match", etag}, 400, "MissingBody"},
		{"empty OAI body", "POST", srv.URL + "/2020-05-31/origin-access-identity/cloudfront", nil, nil, 400, "MissingBody"},
		{"malformed XML", "POST", createURL, []byte("<StreamingDistributionConfig><CallerReference>x</Call"), nil, 400, "InvalidArgument"},
		{"not XML", "POST", createURL, []byte(`{"CallerReference":"x"}`), nil, 400, "InvalidArgument"},
		{"wrong root element", "POST", createURL, []byte(strings.ReplaceAll(modelOrder, "StreamingDistributionConfig", "DistributionConfig")), nil, 400, "InvalidArgument"},
		{"trailing element", "POST", createURL, append(withRef(modelOrder, "trail"), "<Extra/>"...), nil, 400, "InvalidArgument"},
		{"missing CallerReference", "POST", createURL, drop("CallerReference"), nil, 400, "InvalidArgument"},
		{"missing S3Origin", "POST", createURL, drop("S3Origin"), nil, 400, "InvalidArgument"},
		{"missing OriginAccessIdentity", "POST", createURL, drop("OriginAccessIdentity"), nil, 400, "InvalidArgument"},
		{"missing Comment", "POST", createURL, drop("Comment"), nil, 400, "InvalidArgument"},
		{"missing TrustedSigners", "POST", createURL, drop("TrustedSigners"), nil, 400, "InvalidArgument"},
		{"missing Logging.Prefix", "POST", createURL, drop("Prefix"), nil, 400, "InvalidArgument"},
		{"missing Aliases.Quantity", "POST", createURL, []byte(strings.Replace(string(withRef(modelOrder, "q")), "<Quantity>1</Quantity>", "", 1)), nil, 400, "InvalidArgument"},
		{"Enabled not a boolean", "POST", createURL, []byte(strings.Replace(string(withRef(modelOrder, "b")), "<Enabled>true</Enabled>\n</", "<Enabled>yes</Enabled>\n</", 1)), nil, 400, "InvalidArgument"},
		{"Quantity not a number", "POST", createURL, []byte(strings.Replace(string(withRef(modelOrder, "n")), "<Quantity>1</Quantity>", "<Quantity>one</Quantity>", 1)), nil, 400, "InvalidArgument"},
		{"Aliases Quantity 2, one item", "POST", createURL, []byte(strings.Replace(string(withRef(modelOrder, "iq")), "<Quantity>1</Quantity>", "<Quantity>2</Quantity>", 1)), nil, 400, "InconsistentQuantities"},
		{"TrustedSigners Quantity 0, one item", "POST", createURL, []byte(strings.Replace(string(withRef(modelOrder, "iq2")), "<Quantity>1</Quantity><Items><AwsAccountNumber>", "<Quantity>0</Quantity><Items><AwsAccountNumber>", 1)), nil, 400, "InconsistentQuantities"},
		{"update inconsistent", "PUT", loc + "/config", []byte(strings.Replace(string(withRef(modelOrder, "target")), "<Quantity>1</Quantity>", "<Quantity>3</Quantity>", 1)), []string{"If-Match", etag}, 400, "InconsistentQuantities"},
		{"create with tags, no Tags", "POST", createURL + "?WithTags", []byte(`<StreamingDistributionConfigWithTags ` + ns + `>` + strings.TrimPrefix(string(withRef(modelOrder, "wt")), `<?xml version="1.0" encoding="UTF-8"?>`) + `</StreamingDistributionConfigWithTags>`), nil, 400, "InvalidArgument"},
		{"unknown path", "GET", srv.URL + "/2020-05-31/no-such-resource", nil, nil, 400, "InvalidAction"},
		{"web distribution create", "POST", srv.URL + "/2020-05-31/distribution", []byte("<DistributionConfig/>"), nil, 400, "UnsupportedOperation"},
		{"unknown version", "GET", srv.URL + "/2019-03-26/streaming-distribution", nil, nil, 400, "InvalidAction"},
		{"unsupported method", "PATCH", loc, nil, nil, 400, "InvalidAction"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before := snapshot(t, c)
			r := raw(t, tc.method, tc.url, "text/xml", tc.body, tc.header...)
			if r.Status != tc.status || r.Code != tc.code {
				t.Fatalf("got %d %s, want %d %s: %s", r.Status, r.Code, tc.status, tc.code, r.Body)
			}
			checkErrorEnvelope(t, r)
			if after := snapshot(t, c); after != before {
				t.Fatalf("state changed:\n%s\n%s", before, after)
			}
		})
	}
}

// checkErrorEnvelope checks the CloudFront error document and headers.
func checkErrorEnvelope(t *testing.T, r rawResult) {
	t.Helper()
	var e struct {
		XMLName   xml.Name `xml:"http://cloudfront.amazonaws.com/doc/2020-05-31/ ErrorResponse"`
		Type      string   `xml:"Error>Type"`
		Message   string   `xml:"Error>Message"`
		RequestID string   `xml:"RequestId"`
	}
	if err := xml.Unmarshal([]byte(r.Body), &e); err != nil {
		t.Fatalf("error body: %v: %s", err, r.Body)
	}
	if e.Type != "Sender" || e.Message == "" || e.RequestID == "" ||
		r.Header.Get("x-amz-request-id") != e.RequestID || r.Header.Get("x-amzn-RequestId") != e.RequestID {
		t.Fatalf("error envelope: %+v headers %v", e, r.Header)
	}
}

func TestHealth(t *testing.T) {
	srv := testenv.Start(t, testenv.Options{})
	r := raw(t, http.MethodGet, srv.URL+"/_streamfront/health", "", nil)
	if r.Status != http.StatusOK || strings.TrimSpace(r.Body) != `{"status":"ok"}` || r.Header.Get("Content-Type") != "application/json" {
		t.Fatalf("health: %d %q", r.Status, r.Body)
	}
}
