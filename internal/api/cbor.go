package api

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"net/http"

	"github.com/aws/smithy-go/encoding/cbor"
)

// Smithy RPC v2 CBOR, which the Go SDK's tagging client (v1.42.0 and later)
// prefers to JSON 1.1: POST /service/ResourceGroupsTaggingAPI_20170126/operation/<Operation>,
// CBOR bodies, the same members and error shape ({"__type", "message"}). The
// body is translated to and from the JSON the tagging handlers read and
// write, so both protocols share one implementation.

const rpcv2Prefix = "/service/ResourceGroupsTaggingAPI_20170126/operation/"

// routeTaggingCBOR maps an RPC v2 request to its tagging operation.
func routeTaggingCBOR(method, name string) endpoint {
	ep := routeTagging(method, "/", taggingTarget+name)
	ep.wire = wireCBOR
	return ep
}

// cborToJSON turns a CBOR request body (empty: no members) into JSON.
func cborToJSON(body []byte) ([]byte, error) {
	if len(body) == 0 {
		return []byte("{}"), nil
	}
	v, err := cbor.Decode(body)
	if err == nil {
		var x any
		if x, err = fromCBOR(v); err == nil {
			var j []byte
			if j, err = json.Marshal(x); err == nil {
				return j, nil
			}
		}
	}
	return nil, codedError("SerializationException", http.StatusBadRequest, "The request body is not valid CBOR for this operation: "+err.Error())
}

func fromCBOR(v cbor.Value) (any, error) {
	switch v := v.(type) {
	case cbor.Map:
		m := make(map[string]any, len(v))
		for k, e := range v {
			x, err := fromCBOR(e)
			if err != nil {
				return nil, err
			}
			m[k] = x
		}
		return m, nil
	case cbor.List:
		l := make([]any, len(v))
		for i, e := range v {
			x, err := fromCBOR(e)
			if err != nil {
				return nil, err
			}
			l[i] = x
		}
		return l, nil
	case cbor.String:
		return string(v), nil
	case cbor.Uint:
		return uint64(v), nil
	case cbor.NegInt:
		if v == 0 || v > math.MaxInt64 {
			return nil, fmt.Errorf("integer out of range")
		}
		return -int64(v), nil
	case cbor.Bool:
		return bool(v), nil
	case cbor.Float32:
		return finite(float64(v))
	case cbor.Float64:
		return finite(float64(v))
	case *cbor.Nil, *cbor.Undefined:
		return nil, nil
	case *cbor.Tag: // e.g. a timestamp (tag 1): its value
		return fromCBOR(v.Value)
	}
	return nil, fmt.Errorf("unsupported CBOR item %T", v)
}

// finite refuses NaN and the infinities, which JSON cannot carry and no
// member of the tagging API takes.
func finite(f float64) (any, error) {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return nil, fmt.Errorf("number %v out of range", f)
	}
	return f, nil
}

// jsonToCBOR turns a JSON response document into CBOR.
func jsonToCBOR(b []byte) ([]byte, error) {
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var x any
	if err := d.Decode(&x); err != nil {
		return nil, err
	}
	return cbor.Encode(toCBOR(x)), nil
}

func toCBOR(x any) cbor.Value {
	switch x := x.(type) {
	case map[string]any:
		m := make(cbor.Map, len(x))
		for k, e := range x {
			m[k] = toCBOR(e)
		}
		return m
	case []any:
		l := make(cbor.List, len(x))
		for i, e := range x {
			l[i] = toCBOR(e)
		}
		return l
	case string:
		return cbor.String(x)
	case json.Number:
		if n, err := x.Int64(); err == nil {
			if n < 0 {
				return cbor.NegInt(-n)
			}
			return cbor.Uint(n)
		}
		f, _ := x.Float64()
		return cbor.Float64(f)
	case bool:
		return cbor.Bool(x)
	}
	return &cbor.Nil{}
}
