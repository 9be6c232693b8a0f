package api

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"

	cf "github.com/streamfront/streamfront/internal/cloudfront"
)

// The Resource Groups Tagging API (JSON 1.1, X-Amz-Target
// ResourceGroupsTaggingAPI_20170126.<Operation>, signing name "tagging") for
// this server's CloudFront resources: its streaming distributions, with the
// very tags of CloudFront's own tagging calls. Its errors are JSON:
// {"__type": "InvalidParameterException", "message": "…"}.

const taggingTarget = "ResourceGroupsTaggingAPI_20170126."

var taggingOps = map[string]handler{
	"GetResources":   getResources,
	"TagResources":   tagResources,
	"UntagResources": untagResources,
	"GetTagKeys":     getTagKeys,
	"GetTagValues":   getTagValues,
}

// taggingAlso are the CloudFront permissions a tagging operation needs
// besides its own, as IAM asks for a resource's own tagging call.
var taggingAlso = map[string][]string{
	"TagResources":   {"cloudfront:TagResource"},
	"UntagResources": {"cloudfront:UntagResource"},
}

// routeTagging maps a request that names an X-Amz-Target.
func routeTagging(method, path, target string) endpoint {
	name, ok := strings.CutPrefix(target, taggingTarget)
	h := taggingOps[name]
	if !ok || h == nil || method != http.MethodPost || path != "/" {
		return endpoint{wire: wireJSON, h: func(*Server, *call) (*response, error) {
			return nil, codedError("UnknownOperationException", http.StatusBadRequest,
				fmt.Sprintf("%s %s with X-Amz-Target %q is not an operation of the Resource Groups Tagging API.", method, path, target))
		}}
	}
	return endpoint{op: name, action: Action{SigningName: "tagging", IAM: "tag:" + name, Also: taggingAlso[name]}, h: h, wire: wireJSON}
}

func invalidParameter(format string, args ...any) error {
	return codedError("InvalidParameterException", http.StatusBadRequest, fmt.Sprintf(format, args...))
}

// decodeJSON reads a request body into v; unknown members are refused.
func decodeJSON(body []byte, v any) error {
	if len(bytes.TrimSpace(body)) == 0 {
		body = []byte("{}")
	}
	d := json.NewDecoder(bytes.NewReader(body))
	d.DisallowUnknownFields()
	if err := d.Decode(v); err != nil {
		return codedError("SerializationException", http.StatusBadRequest, "The request body is not valid JSON for this operation: "+err.Error())
	}
	return nil
}

func jsonOK(v any) (*response, error) { return &response{status: http.StatusOK, body: v}, nil }

// ---- GetResources ----

type jsonTag struct {
	Key   string `json:"Key"`
	Value string `json:"Value"`
}

type resourceTagMapping struct {
	ResourceARN string    `json:"ResourceARN"`
	Tags        []jsonTag `json:"Tags"`
}

type getResourcesInput struct {
	PaginationToken string `json:"PaginationToken"`
	TagFilters      []struct {
		Key    string   `json:"Key"`
		Values []string `json:"Values"`
	} `json:"TagFilters"`
	ResourcesPerPage          *int     `json:"ResourcesPerPage"`
	TagsPerPage               *int     `json:"TagsPerPage"`
	ResourceTypeFilters       []string `json:"ResourceTypeFilters"`
	IncludeComplianceDetails  bool     `json:"IncludeComplianceDetails"`
	ExcludeCompliantResources bool     `json:"ExcludeCompliantResources"`
	ResourceARNList           []string `json:"ResourceARNList"`
}

func (in *getResourcesInput) validate() (perPage int, err error) {
	perPage = 100
	if in.ResourcesPerPage != nil {
		if *in.ResourcesPerPage < 1 || *in.ResourcesPerPage > 100 {
			return 0, invalidParameter("ResourcesPerPage must be from 1 to 100, got %d.", *in.ResourcesPerPage)
		}
		perPage = *in.ResourcesPerPage
	}
	if in.TagsPerPage != nil && (*in.TagsPerPage < 100 || *in.TagsPerPage > 500) {
		return 0, invalidParameter("TagsPerPage must be from 100 to 500, got %d.", *in.TagsPerPage)
	}
	if in.ResourceARNList != nil {
		if len(in.ResourceARNList) < 1 || len(in.ResourceARNList) > 100 {
			return 0, invalidParameter("ResourceARNList must hold 1 to 100 ARNs, got %d.", len(in.ResourceARNList))
		}
		if in.ResourcesPerPage != nil || in.TagsPerPage != nil || in.PaginationToken != "" {
			return 0, invalidParameter("ResourceARNList cannot be combined with ResourcesPerPage, TagsPerPage or PaginationToken.")
		}
	}
	if len(in.TagFilters) > 50 {
		return 0, invalidParameter("TagFilters may hold at most 50 filters, got %d.", len(in.TagFilters))
	}
	for _, f := range in.TagFilters {
		if f.Key == "" || len(f.Key) > 128 {
			return 0, invalidParameter("A TagFilter's Key must be 1 to 128 characters, got %q.", f.Key)
		}
		if len(f.Values) > 20 {
			return 0, invalidParameter("A TagFilter may list at most 20 Values, got %d for key %q.", len(f.Values), f.Key)
		}
	}
	for _, rt := range in.ResourceTypeFilters {
		svc, _, _ := strings.Cut(rt, ":")
		if svc == "" || strings.ContainsAny(rt, " /") {
			return 0, invalidParameter("%q is not a resource type such as cloudfront or cloudfront:streaming-distribution.", rt)
		}
	}
	return perPage, nil
}

// matches reports whether r passes the request's filters.
func (in *getResourcesInput) matches(r cf.TaggedResource) bool {
	if in.ResourceARNList != nil && !slices.Contains(in.ResourceARNList, r.ARN) {
		return false
	}
	if len(in.ResourceTypeFilters) > 0 && !slices.ContainsFunc(in.ResourceTypeFilters, func(rt string) bool {
		return rt == "cloudfront" || rt == "cloudfront:streaming-distribution"
	}) {
		return false
	}
	for _, f := range in.TagFilters {
		i := slices.IndexFunc(r.Tags, func(t cf.Tag) bool { return t.Key == f.Key })
		if i < 0 || len(f.Values) > 0 && !slices.Contains(f.Values, r.Tags[i].Value) {
			return false
		}
	}
	return true
}

func getResources(s *Server, c *call) (*response, error) {
	var in getResourcesInput
	if err := decodeJSON(c.body, &in); err != nil {
		return nil, err
	}
	perPage, err := in.validate()
	if err != nil {
		return nil, err
	}
	after, err := readToken(in.PaginationToken)
	if err != nil {
		return nil, err
	}
	all, err := s.cfg.Service.TaggedResources(c.ctx, c.account)
	if err != nil {
		return nil, err
	}
	out := struct {
		PaginationToken        string               `json:"PaginationToken"`
		ResourceTagMappingList []resourceTagMapping `json:"ResourceTagMappingList"`
	}{ResourceTagMappingList: []resourceTagMapping{}}
	for _, r := range all {
		if r.ARN <= after || !in.matches(r) {
			continue
		}
		if len(out.ResourceTagMappingList) == perPage {
			out.PaginationToken = makeToken(out.ResourceTagMappingList[perPage-1].ResourceARN)
			break
		}
		m := resourceTagMapping{ResourceARN: r.ARN, Tags: make([]jsonTag, len(r.Tags))}
		for i, t := range r.Tags {
			m.Tags[i] = jsonTag(t)
		}
		out.ResourceTagMappingList = append(out.ResourceTagMappingList, m)
	}
	return jsonOK(out)
}

// A pagination token is the last item of the page before, opaque to clients.
func makeToken(after string) string {
	return base64.RawURLEncoding.EncodeToString([]byte("after:" + after))
}

func readToken(tok string) (string, error) {
	if tok == "" {
		return "", nil
	}
	b, err := base64.RawURLEncoding.DecodeString(tok)
	after, ok := strings.CutPrefix(string(b), "after:")
	if err != nil || !ok {
		return "", invalidParameter("The PaginationToken %q is not one this service returned.", tok)
	}
	return after, nil
}

// ---- TagResources, UntagResources ----

type failureInfo struct {
	StatusCode   int    `json:"StatusCode"`
	ErrorCode    string `json:"ErrorCode"`
	ErrorMessage string `json:"ErrorMessage"`
}

type failedResources struct {
	FailedResourcesMap map[string]failureInfo `json:"FailedResourcesMap"`
}

func checkARNList(arns []string) error {
	if len(arns) < 1 || len(arns) > 20 {
		return invalidParameter("ResourceARNList must hold 1 to 20 ARNs, got %d.", len(arns))
	}
	return nil
}

// eachResource applies f to every ARN and reports, by ARN, those it failed
// for (unknown, malformed, another account's, …) with CloudFront's error;
// the others are applied.
func eachResource(arns []string, f func(arn string) error) (*response, error) {
	out := failedResources{FailedResourcesMap: map[string]failureInfo{}}
	for _, arn := range arns {
		err := f(arn)
		if err == nil {
			continue
		}
		ae, known := lookupError(err)
		if !known {
			return nil, err // the store failed: the whole call fails
		}
		out.FailedResourcesMap[arn] = failureInfo{StatusCode: ae.Status, ErrorCode: ae.Code, ErrorMessage: message(err)}
	}
	return jsonOK(out)
}

func tagResources(s *Server, c *call) (*response, error) {
	var in struct {
		ResourceARNList []string          `json:"ResourceARNList"`
		Tags            map[string]string `json:"Tags"`
	}
	if err := decodeJSON(c.body, &in); err != nil {
		return nil, err
	}
	if err := checkARNList(in.ResourceARNList); err != nil {
		return nil, err
	}
	if len(in.Tags) < 1 || len(in.Tags) > cf.MaxTags {
		return nil, invalidParameter("Tags must hold 1 to %d tags, got %d.", cf.MaxTags, len(in.Tags))
	}
	tags := make([]cf.Tag, 0, len(in.Tags))
	for k, v := range in.Tags {
		tags = append(tags, cf.Tag{Key: k, Value: v})
	}
	slices.SortFunc(tags, func(a, b cf.Tag) int { return strings.Compare(a.Key, b.Key) })
	if err := cf.ValidateTags(tags); err != nil {
		return nil, invalidParameter("%s", message(err))
	}
	return eachResource(in.ResourceARNList, func(arn string) error {
		return s.cfg.Service.TagResource(c.ctx, c.account, arn, tags)
	})
}

func untagResources(s *Server, c *call) (*response, error) {
	var in struct {
		ResourceARNList []string `json:"ResourceARNList"`
		TagKeys         []string `json:"TagKeys"`
	}
	if err := decodeJSON(c.body, &in); err != nil {
		return nil, err
	}
	if err := checkARNList(in.ResourceARNList); err != nil {
		return nil, err
	}
	if len(in.TagKeys) < 1 || len(in.TagKeys) > cf.MaxTags {
		return nil, invalidParameter("TagKeys must hold 1 to %d keys, got %d.", cf.MaxTags, len(in.TagKeys))
	}
	for _, k := range in.TagKeys {
		if err := cf.ValidateTagKey(k); err != nil {
			return nil, invalidParameter("%s", message(err))
		}
	}
	return eachResource(in.ResourceARNList, func(arn string) error {
		return s.cfg.Service.UntagResource(c.ctx, c.account, arn, in.TagKeys)
	})
}

// ---- GetTagKeys, GetTagValues ----

// tagPage is how many keys or values one GetTagKeys or GetTagValues page holds.
const tagPage = 500

// pageOf returns the sorted, distinct values after the token, one page.
func pageOf(values []string, token string) ([]string, string, error) {
	after, err := readToken(token)
	if err != nil {
		return nil, "", err
	}
	slices.Sort(values)
	values = slices.Compact(values)
	i, _ := slices.BinarySearch(values, after)
	if i < len(values) && values[i] == after {
		i++
	}
	if token == "" {
		i = 0
	}
	page := values[i:]
	next := ""
	if len(page) > tagPage {
		page = page[:tagPage]
		next = makeToken(page[tagPage-1])
	}
	return append([]string{}, page...), next, nil
}

func getTagKeys(s *Server, c *call) (*response, error) {
	var in struct {
		PaginationToken string `json:"PaginationToken"`
	}
	if err := decodeJSON(c.body, &in); err != nil {
		return nil, err
	}
	all, err := s.cfg.Service.TaggedResources(c.ctx, c.account)
	if err != nil {
		return nil, err
	}
	var keys []string
	for _, r := range all {
		for _, t := range r.Tags {
			keys = append(keys, t.Key)
		}
	}
	page, next, err := pageOf(keys, in.PaginationToken)
	if err != nil {
		return nil, err
	}
	return jsonOK(struct {
		PaginationToken string   `json:"PaginationToken"`
		TagKeys         []string `json:"TagKeys"`
	}{next, page})
}

func getTagValues(s *Server, c *call) (*response, error) {
	var in struct {
		PaginationToken string `json:"PaginationToken"`
		Key             string `json:"Key"`
	}
	if err := decodeJSON(c.body, &in); err != nil {
		return nil, err
	}
	if in.Key == "" || len(in.Key) > 128 {
		return nil, invalidParameter("Key must be 1 to 128 characters, got %q.", in.Key)
	}
	all, err := s.cfg.Service.TaggedResources(c.ctx, c.account)
	if err != nil {
		return nil, err
	}
	var values []string
	for _, r := range all {
		for _, t := range r.Tags {
			if t.Key == in.Key {
				values = append(values, t.Value)
			}
		}
	}
	page, next, err := pageOf(values, in.PaginationToken)
	if err != nil {
		return nil, err
	}
	return jsonOK(struct {
		PaginationToken string   `json:"PaginationToken"`
		TagValues       []string `json:"TagValues"`
	}{next, page})
}

// ---- JSON responses ----

// jsonAuthCodes are the codes a JSON protocol service answers for the
// refusals the CloudFront API names in its own way.
var jsonAuthCodes = map[string]string{
	"InvalidClientTokenId":       "UnrecognizedClientException",
	"SignatureDoesNotMatch":      "InvalidSignatureException",
	"IncompleteSignature":        "IncompleteSignatureException",
	"MissingAuthenticationToken": "MissingAuthenticationTokenException",
	"AccessDenied":               "AccessDeniedException",
	"InvalidArgument":            "InvalidParameterException",
	"InternalError":              "InternalServiceException",
}

// writeRPC sends resp or the error for err in the tagging API's JSON 1.1
// or, for wireCBOR, RPC v2 CBOR, and returns status and code.
func (s *Server) writeRPC(w http.ResponseWriter, reqID string, wire wire, resp *response, err error) (int, string) {
	encode := func(b []byte) ([]byte, error) { return b, nil }
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	if wire == wireCBOR {
		encode = jsonToCBOR
		w.Header().Set("Content-Type", "application/cbor")
		w.Header().Set("Smithy-Protocol", "rpc-v2-cbor")
	}
	if err != nil {
		ae, known := lookupError(err)
		msg := message(err)
		if !known {
			s.cfg.Logger.Error("unmapped error", "request_id", reqID, "err", err)
			msg = "We encountered an internal error. Please try again."
		}
		code := ae.Code
		if c, ok := jsonAuthCodes[code]; ok {
			code = c
		}
		var ce *codedErr
		if errors.As(err, &ce) && ce.Reason != "" && ae.Status == http.StatusForbidden {
			ae.Status = http.StatusBadRequest // JSON services answer auth refusals with 400
		}
		doc := map[string]string{"__type": code, "message": msg}
		if wire == wireCBOR {
			doc["Message"] = msg // the error shape's member, which the CBOR decoders read
		}
		b, _ := json.Marshal(doc)
		b, _ = encode(b)
		w.WriteHeader(ae.Status)
		w.Write(b)
		return ae.Status, code
	}
	b, jerr := json.Marshal(resp.body)
	if jerr == nil {
		b, jerr = encode(b)
	}
	if jerr != nil {
		http.Error(w, "encoding failed", http.StatusInternalServerError)
		return http.StatusInternalServerError, "InternalServiceException"
	}
	w.WriteHeader(resp.status)
	w.Write(b)
	return resp.status, ""
}
