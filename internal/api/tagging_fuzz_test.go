package api

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/aws/smithy-go/encoding/cbor"
)

// FuzzCBORToJSON: a CBOR body becomes valid JSON or a 400
// SerializationException, and the JSON goes back to CBOR.
func FuzzCBORToJSON(f *testing.F) {
	f.Add(cbor.Encode(cbor.Map{"ResourcesPerPage": cbor.Uint(2), "TagFilters": cbor.List{cbor.Map{"Key": cbor.String("k")}}}))
	f.Add(cbor.Encode(cbor.Map{"N": cbor.NegInt(5), "F": cbor.Float64(1.5), "B": cbor.Bool(true), "Z": &cbor.Nil{}}))
	f.Add([]byte{0xff})
	f.Fuzz(func(t *testing.T, body []byte) {
		j, err := cborToJSON(body)
		if err != nil {
			if ae, known := lookupError(err); !known || ae.Code != "SerializationException" {
				t.Fatalf("%x: %v", body, err)
			}
			return
		}
		if !json.Valid(j) {
			t.Fatalf("%x gave invalid JSON %s", body, j)
		}
		if _, err := jsonToCBOR(j); err != nil {
			t.Fatalf("%s does not go back to CBOR: %v", j, err)
		}
	})
}

// FuzzTaggingRequest: whatever JSON body a tagging operation gets, it
// answers 200 or a 4xx JSON error, never a 5xx.
func FuzzTaggingRequest(f *testing.F) {
	for _, s := range []string{`{}`, `{"ResourcesPerPage": 0}`, `{"TagFilters":[{"Key":"k","Values":["v"]}]}`,
		`{"ResourceARNList":["arn:aws:cloudfront::123456789012:streaming-distribution/E1"],"Tags":{"k":"v"}}`,
		`{"PaginationToken":"YWZ0ZXI6"}`, `{"Key":""}`, `[`} {
		for _, op := range []string{"GetResources", "TagResources", "UntagResources", "GetTagKeys", "GetTagValues"} {
			f.Add(op, s)
		}
	}
	srv := fuzzServer(f)
	f.Fuzz(func(t *testing.T, op, body string) {
		req := httptest.NewRequest(http.MethodPost, "/", bytes.NewReader([]byte(body)))
		req.Header.Set("X-Amz-Target", taggingTarget+op)
		w := httptest.NewRecorder()
		srv.ServeHTTP(w, req)
		if w.Code >= 500 {
			t.Fatalf("%s %q: %d %s", op, body, w.Code, w.Body)
		}
		var doc map[string]any
		if err := json.Unmarshal(w.Body.Bytes(), &doc); err != nil {
			t.Fatalf("%s %q: not JSON: %s", op, body, w.Body)
		}
		if w.Code >= 400 && (doc["__type"] == nil || doc["message"] == nil) {
			t.Fatalf("%s %q: error without __type and message: %s", op, body, w.Body)
		}
	})
}
