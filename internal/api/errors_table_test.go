package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"testing"

	cf "github.com/streamfront/streamfront/internal/cloudfront"
)

// TestEveryDomainErrorIsMapped: every domain error, bare or wrapped with a
// message, reaches the wire with its own code, never as InternalError.
func TestEveryDomainErrorIsMapped(t *testing.T) {
	codes := map[string]bool{}
	for _, kind := range cf.AllErrors() {
		for _, err := range []error{kind, cf.Errorf(kind, "m"), fmt.Errorf("ctx: %w", cf.Errorf(kind, "m"))} {
			ae, known := lookupError(err)
			if !known || ae.Code != kind.Error() {
				t.Errorf("%v maps to %+v (known %v)", err, ae, known)
			}
		}
		codes[kind.Error()] = true
	}
	if len(errorTable) != len(cf.AllErrors()) {
		t.Errorf("error table has %d rows, the domain %d errors", len(errorTable), len(cf.AllErrors()))
	}
	if _, known := lookupError(errors.New("disk on fire")); known {
		t.Error("an unknown error is reported as known")
	}
}

// modelPath is the CloudFront 2020-05-31 API model (botocore's
// service-2.json, unchanged).
const modelPath = "testdata/cloudfront-2020-05-31.json"

// TestErrorTableMatchesModel: each code exists in the API model with the
// HTTP status the table sends.
func TestErrorTableMatchesModel(t *testing.T) {
	b, err := os.ReadFile(modelPath)
	if err != nil {
		t.Fatal(err)
	}
	var model struct {
		Shapes map[string]struct {
			Error *struct {
				HTTPStatusCode int `json:"httpStatusCode"`
			} `json:"error"`
		} `json:"shapes"`
	}
	if err := json.Unmarshal(b, &model); err != nil {
		t.Fatal(err)
	}
	for _, row := range errorTable {
		s, ok := model.Shapes[row.Code]
		if !ok || s.Error == nil {
			t.Errorf("%s is not an error of the API model", row.Code)
			continue
		}
		if s.Error.HTTPStatusCode != row.Status {
			t.Errorf("%s: table says %d, model %d", row.Code, row.Status, s.Error.HTTPStatusCode)
		}
	}
}
