package api

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"net/http"
	"strconv"
	"strings"
)

// The operations of the CloudFront 2020-05-31 model that streamfront does
// not implement (web distributions, policies, functions, …) are still
// answered as tools expect, from the table in model_ops.go that
// TestModelTableIsCurrent derives from the API model
// (testdata/cloudfront-2020-05-31.json):
//   - a list of resources this server never holds (ListDistributions, …)
//     answers an empty list of the model's shape;
//   - a get of one answers the model's not-found error (NoSuchDistribution, …);
//   - anything else answers UnsupportedOperation naming the operation.

// modelOp is one operation of the API model that has no handler of its own.
type modelOp struct {
	Method string
	Path   string // the model's requestUri: "/2020-05-31/distribution/{Id}", maybe "?WithTags"
	Name   string
	// List, when set, is the root element of the empty list answered, then
	// the members it carries, in the model's order (a subset of Marker,
	// MaxItems, IsTruncated, Quantity).
	List []string
	// NotFound, when set, is the model's error code of the missing
	// resource, with its status and the model's sentence.
	NotFound        string
	NotFoundStatus  int
	NotFoundMessage string
}

// matchModel finds the model operation of method and path (and the query,
// for the few requestUris that carry one), or nil.
func matchModel(method, path string, has func(string) bool) *modelOp {
	var best *modelOp
	for i := range modelOps {
		op := &modelOps[i]
		if op.Method != method {
			continue
		}
		tmpl, query, _ := strings.Cut(op.Path, "?")
		if !matchTemplate(tmpl, path) {
			continue
		}
		if query != "" {
			k, _, _ := strings.Cut(query, "=")
			if !has(k) {
				continue
			}
			return op // the more specific one (…?WithTags)
		}
		best = op
	}
	return best
}

// matchTemplate matches a path against "/a/{Id}/b": each {…} is one
// non-empty segment. A trailing slash is optional: some requestUris have
// one that the SDKs do not send.
func matchTemplate(tmpl, path string) bool {
	tmpl, path = strings.TrimSuffix(tmpl, "/"), strings.TrimSuffix(path, "/")
	ts, ps := strings.Split(tmpl, "/"), strings.Split(path, "/")
	if len(ts) != len(ps) {
		return false
	}
	for i, t := range ts {
		if strings.HasPrefix(t, "{") {
			if ps[i] == "" {
				return false
			}
			continue
		}
		if t != ps[i] {
			return false
		}
	}
	return true
}

// serveModelOp answers a model operation streamfront does not implement.
func serveModelOp(op *modelOp) handler {
	return func(s *Server, c *call) (*response, error) {
		switch {
		case op.List != nil:
			return emptyList(c, op.List)
		case op.NotFound != "":
			return nil, codedError(op.NotFound, op.NotFoundStatus, op.NotFoundMessage)
		}
		return nil, codedError("UnsupportedOperation", http.StatusBadRequest,
			op.Name+" is not supported by streamfront, which serves CloudFront streaming distributions, origin access identities and their tags.")
	}
}

// emptyList answers a list of resources this server never holds, e.g.
// <DistributionList><Marker/><MaxItems>100</MaxItems><IsTruncated>false</IsTruncated><Quantity>0</Quantity></DistributionList>,
// after checking MaxItems as CloudFront does.
func emptyList(c *call, shape []string) (*response, error) {
	n, err := maxItems(c)
	if err != nil {
		return nil, err
	}
	values := map[string]string{"Marker": c.query.Get("Marker"), "MaxItems": strconv.Itoa(n), "IsTruncated": "false", "Quantity": "0"}
	var b bytes.Buffer
	b.WriteString(xml.Header)
	fmt.Fprintf(&b, "<%s xmlns=%q>", shape[0], Namespace)
	for _, m := range shape[1:] {
		b.WriteString("<" + m + ">")
		xml.EscapeText(&b, []byte(values[m]))
		b.WriteString("</" + m + ">")
	}
	fmt.Fprintf(&b, "</%s>", shape[0])
	out := renderedXML(b.Bytes())
	return &response{status: http.StatusOK, body: out}, nil
}
