package api

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// endpoint is what a request asks for.
type endpoint struct {
	op     string // the operation's name: log field, metrics label and permission
	action Action
	h      handler // nil: no such operation
	id     string  // the path's Id
	wire   wire    // how the body and errors are encoded
}

// wire is a protocol's body encoding.
type wire int

const (
	wireXML  wire = iota // CloudFront's REST-XML
	wireJSON             // AWS JSON 1.1 (the tagging API)
	wireCBOR             // Smithy RPC v2 CBOR (the tagging API, newer SDKs)
)

// route maps a request to its endpoint: an operation of the Resource Groups
// Tagging API (by X-Amz-Target), one that streamfront implements, or another
// operation of the CloudFront model (see model.go).
func route(r *http.Request, q url.Values) endpoint {
	if target := r.Header.Get("X-Amz-Target"); target != "" {
		return routeTagging(r.Method, r.URL.Path, target)
	}
	if op, ok := strings.CutPrefix(r.URL.Path, rpcv2Prefix); ok {
		return routeTaggingCBOR(r.Method, op)
	}
	if op, h, id := routeCloudFront(r.Method, r.URL.Path, q); h != nil {
		return cloudFrontEndpoint(op, h, id)
	}
	if m := matchModel(r.Method, r.URL.Path, q.Has); m != nil {
		return cloudFrontEndpoint(m.Name, serveModelOp(m), "")
	}
	return endpoint{op: "", h: unknownOperation(r.Method, r.URL.Path)}
}

func cloudFrontEndpoint(op string, h handler, id string) endpoint {
	return endpoint{op: op, action: Action{SigningName: "cloudfront", IAM: "cloudfront:" + op}, h: h, id: id}
}

// unknownOperation answers a method and path that name no operation; it
// needs no authentication.
func unknownOperation(method, path string) handler {
	return func(*Server, *call) (*response, error) {
		return nil, codedError("InvalidAction", http.StatusBadRequest,
			fmt.Sprintf("%s %s is not an operation of the CloudFront 2020-05-31 API.", method, path))
	}
}

const version = "/2020-05-31/"

// routeCloudFront maps a request to the operation streamfront implements
// (as AWS names it), its handler and path Id.
func routeCloudFront(method, path string, q url.Values) (op string, h handler, id string) {
	rest, ok := strings.CutPrefix(path, version)
	if !ok {
		return "", nil, ""
	}
	parts := strings.Split(rest, "/")
	_, withTags := q["WithTags"]
	switch {
	case len(parts) == 1 && parts[0] == "streaming-distribution":
		switch {
		case method == http.MethodPost && withTags:
			return "CreateStreamingDistributionWithTags", createDistributionWithTags, ""
		case method == http.MethodPost:
			return "CreateStreamingDistribution", createDistribution, ""
		case method == http.MethodGet:
			return "ListStreamingDistributions", listDistributions, ""
		}
	case len(parts) == 2 && parts[0] == "streaming-distribution" && parts[1] != "":
		switch method {
		case http.MethodGet:
			return "GetStreamingDistribution", getDistribution, parts[1]
		case http.MethodDelete:
			return "DeleteStreamingDistribution", deleteDistribution, parts[1]
		}
	case len(parts) == 3 && parts[0] == "streaming-distribution" && parts[1] != "" && parts[2] == "config":
		switch method {
		case http.MethodGet:
			return "GetStreamingDistributionConfig", getDistributionConfig, parts[1]
		case http.MethodPut:
			return "UpdateStreamingDistribution", updateDistribution, parts[1]
		}
	case len(parts) >= 2 && parts[0] == "origin-access-identity" && parts[1] == "cloudfront":
		return routeOAI(method, parts[2:])
	case len(parts) == 1 && parts[0] == "tagging":
		switch {
		case method == http.MethodGet:
			return "ListTagsForResource", listTags, ""
		case method == http.MethodPost && q.Get("Operation") == "Tag":
			return "TagResource", tagResource, ""
		case method == http.MethodPost && q.Get("Operation") == "Untag":
			return "UntagResource", untagResource, ""
		}
	}
	return "", nil, ""
}

func routeOAI(method string, parts []string) (string, handler, string) {
	switch {
	case len(parts) == 0 && method == http.MethodPost:
		return "CreateCloudFrontOriginAccessIdentity", createOAI, ""
	case len(parts) == 0 && method == http.MethodGet:
		return "ListCloudFrontOriginAccessIdentities", listOAIs, ""
	case len(parts) == 1 && parts[0] != "" && method == http.MethodGet:
		return "GetCloudFrontOriginAccessIdentity", getOAI, parts[0]
	case len(parts) == 1 && parts[0] != "" && method == http.MethodDelete:
		return "DeleteCloudFrontOriginAccessIdentity", deleteOAI, parts[0]
	case len(parts) == 2 && parts[0] != "" && parts[1] == "config" && method == http.MethodGet:
		return "GetCloudFrontOriginAccessIdentityConfig", getOAIConfig, parts[0]
	case len(parts) == 2 && parts[0] != "" && parts[1] == "config" && method == http.MethodPut:
		return "UpdateCloudFrontOriginAccessIdentity", updateOAI, parts[0]
	}
	return "", nil, ""
}
