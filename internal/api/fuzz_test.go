package api

import (
	"bytes"
	"context"
	"encoding/xml"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strings"
	"testing"

	cf "github.com/streamfront/streamfront/internal/cloudfront"
	"github.com/streamfront/streamfront/internal/store/sqlite"
)

const validConfig = `<StreamingDistributionConfig xmlns="http://cloudfront.amazonaws.com/doc/2020-05-31/">` +
	`<CallerReference>fuzz</CallerReference><S3Origin><DomainName>media.s3.amazonaws.com</DomainName>` +
	`<OriginAccessIdentity></OriginAccessIdentity></S3Origin><Aliases><Quantity>1</Quantity><Items><CNAME>a.example.com</CNAME></Items></Aliases>` +
	`<Comment>c</Comment><Logging><Enabled>true</Enabled><Bucket>logs.s3.amazonaws.com</Bucket><Prefix>p/</Prefix></Logging>` +
	`<TrustedSigners><Enabled>true</Enabled><Quantity>1</Quantity><Items><AwsAccountNumber>self</AwsAccountNumber></Items></TrustedSigners>` +
	`<PriceClass>PriceClass_100</PriceClass><Enabled>true</Enabled></StreamingDistributionConfig>`

func fuzzServer(t testing.TB) *Server {
	st, err := sqlite.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	return New(Config{Service: cf.NewService(st, cf.Options{Logger: log}), Auth: Open{Account: "123456789012"}, Logger: log})
}

// FuzzDecodeConfig: whatever the body, decoding and validation either fail
// with an error the table maps to a 4xx, or yield a config that survives
// encode→decode→validate unchanged. (No store here: coverage-instrumented
// SQLite makes fuzzing crawl; TestRefusedCreateStoresNothing covers storage.)
func FuzzDecodeConfig(f *testing.F) {
	for _, s := range []string{
		validConfig, "", "<StreamingDistributionConfig>",
		strings.Replace(validConfig, "<Quantity>1</Quantity><Items><CNAME>", "<Quantity>2</Quantity><Items><CNAME>", 1),
		strings.Replace(validConfig, "PriceClass_100", "PriceClass_9", 1),
		`<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><StreamingDistributionConfig>&a;</StreamingDistributionConfig>`,
	} {
		f.Add(s)
	}
	svc := cf.NewService(nil, cf.Options{})
	f.Fuzz(func(t *testing.T, body string) {
		cfg, err := decodeConfig([]byte(body), svc)
		if err != nil {
			if ae, known := lookupError(err); !known || ae.Status >= 500 {
				t.Fatalf("body %q: unmapped or 5xx error %v", body, err)
			}
			return
		}
		var buf bytes.Buffer
		if err := xml.NewEncoder(&buf).Encode(toXMLConfig(cfg)); err != nil {
			t.Fatal(err)
		}
		again, err := decodeConfig(buf.Bytes(), svc)
		if err != nil {
			t.Fatalf("re-decoding our own encoding of %q failed: %v\n%s", body, err, buf.Bytes())
		}
		if !reflect.DeepEqual(cfg, again) {
			t.Fatalf("round trip changed the config:\n%+v\n%+v", cfg, again)
		}
	})
}

func decodeConfig(body []byte, svc *cf.Service) (cf.StreamingDistributionConfig, error) {
	var x xmlConfig
	if err := decodeXML(body, &x); err != nil {
		return cf.StreamingDistributionConfig{}, err
	}
	cfg, err := fromXMLConfig(&x)
	if err != nil {
		return cfg, err
	}
	return cfg, svc.Validate("123456789012", &cfg)
}

// FuzzRoute: any method, path and query routes to an operation or to a 4xx,
// never to a panic or a 5xx.
func FuzzRoute(f *testing.F) {
	for _, s := range []string{
		"GET /2020-05-31/streaming-distribution",
		"POST /2020-05-31/streaming-distribution?WithTags",
		"GET /2020-05-31/streaming-distribution/EX/config",
		"DELETE /2020-05-31/origin-access-identity/cloudfront/EX",
		"GET /2020-05-31/tagging?Resource=arn:aws:cloudfront::123456789012:streaming-distribution/EX",
		"POST /2020-05-31/tagging?Operation=Untag&Resource=x",
		"PUT /2020-05-31//config",
		"GET /2020-05-31/streaming-distribution?MaxItems=-1&Marker=%00",
	} {
		f.Add(s)
	}
	srv := fuzzServer(f)
	f.Fuzz(func(t *testing.T, line string) {
		method, target, _ := strings.Cut(line, " ")
		if method == "" || strings.ContainsAny(method, " \t\r\n()<>@,;:\\\"/[]?={}") {
			return // not an HTTP method token: net/http would refuse it
		}
		u, err := url.ParseRequestURI(target)
		if err != nil {
			return
		}
		req := &http.Request{Method: method, URL: u, Header: http.Header{}, Body: http.NoBody, Host: "x"}
		rec := httptest.NewRecorder()
		srv.ServeHTTP(rec, req.WithContext(context.Background()))
		if rec.Code >= 500 {
			t.Fatalf("%s %s -> %d: %s", method, target, rec.Code, rec.Body)
		}
	})
}

// TestRefusedCreateStoresNothing: each refused create leaves the store as it was.
func TestRefusedCreateStoresNothing(t *testing.T) {
	srv := fuzzServer(t)
	bad := []string{
		"", "<StreamingDistributionConfig>", "<Other/>",
		strings.Replace(validConfig, "<Quantity>1</Quantity><Items><CNAME>", "<Quantity>2</Quantity><Items><CNAME>", 1),
		strings.Replace(validConfig, "PriceClass_100", "PriceClass_9", 1),
		strings.Replace(validConfig, "media.s3.amazonaws.com", "www.example.com", 1),
		strings.Replace(validConfig, "<AwsAccountNumber>self", "<AwsAccountNumber>999999999999", 1),
		strings.Replace(validConfig, "<OriginAccessIdentity></OriginAccessIdentity>", "<OriginAccessIdentity>origin-access-identity/cloudfront/ENOSUCH</OriginAccessIdentity>", 1),
	}
	for _, body := range bad {
		rec := httptest.NewRecorder()
		srv.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/2020-05-31/streaming-distribution", strings.NewReader(body)))
		if rec.Code < 400 || rec.Code >= 500 {
			t.Errorf("body %.60q: status %d, want 4xx", body, rec.Code)
		}
	}
	rec := httptest.NewRecorder()
	srv.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/2020-05-31/streaming-distribution", nil))
	if !strings.Contains(rec.Body.String(), "<Quantity>0</Quantity>") {
		t.Fatalf("refused creates left distributions behind: %s", rec.Body)
	}
}
