package api

import (
	"errors"
	"net/http"

	cf "github.com/streamfront/streamfront/internal/cloudfront"
)

// awsError is a CloudFront error as it goes on the wire.
type awsError struct {
	Code   string
	Status int
}

// errorTable is the single mapping of domain errors to CloudFront codes and
// HTTP statuses (from the API model). TestEveryDomainErrorIsMapped keeps it complete.
var errorTable = []struct {
	kind error
	awsError
}{
	{cf.ErrMissingBody, awsError{"MissingBody", http.StatusBadRequest}},
	{cf.ErrInvalidArgument, awsError{"InvalidArgument", http.StatusBadRequest}},
	{cf.ErrInconsistentQuantities, awsError{"InconsistentQuantities", http.StatusBadRequest}},
	{cf.ErrInvalidOrigin, awsError{"InvalidOrigin", http.StatusBadRequest}},
	{cf.ErrInvalidOriginAccessIdentity, awsError{"InvalidOriginAccessIdentity", http.StatusBadRequest}},
	{cf.ErrInvalidOriginAccessControl, awsError{"InvalidOriginAccessControl", http.StatusBadRequest}},
	{cf.ErrCNAMEAlreadyExists, awsError{"CNAMEAlreadyExists", http.StatusConflict}},
	{cf.ErrDistributionAlreadyExists, awsError{"StreamingDistributionAlreadyExists", http.StatusConflict}},
	{cf.ErrTooManyCNAMEs, awsError{"TooManyStreamingDistributionCNAMEs", http.StatusBadRequest}},
	{cf.ErrTooManyTrustedSigners, awsError{"TooManyTrustedSigners", http.StatusBadRequest}},
	{cf.ErrTooManyDistributions, awsError{"TooManyStreamingDistributions", http.StatusBadRequest}},
	{cf.ErrTrustedSignerDoesNotExist, awsError{"TrustedSignerDoesNotExist", http.StatusBadRequest}},
	{cf.ErrAccessDenied, awsError{"AccessDenied", http.StatusForbidden}},
	{cf.ErrNoSuchDistribution, awsError{"NoSuchStreamingDistribution", http.StatusNotFound}},
	{cf.ErrInvalidIfMatchVersion, awsError{"InvalidIfMatchVersion", http.StatusBadRequest}},
	{cf.ErrPreconditionFailed, awsError{"PreconditionFailed", http.StatusPreconditionFailed}},
	{cf.ErrIllegalUpdate, awsError{"IllegalUpdate", http.StatusBadRequest}},
	{cf.ErrDistributionNotDisabled, awsError{"StreamingDistributionNotDisabled", http.StatusConflict}},
	{cf.ErrNoSuchOAI, awsError{"NoSuchCloudFrontOriginAccessIdentity", http.StatusNotFound}},
	{cf.ErrOAIAlreadyExists, awsError{"CloudFrontOriginAccessIdentityAlreadyExists", http.StatusConflict}},
	{cf.ErrOAIInUse, awsError{"CloudFrontOriginAccessIdentityInUse", http.StatusConflict}},
	{cf.ErrTooManyOAIs, awsError{"TooManyCloudFrontOriginAccessIdentities", http.StatusBadRequest}},
	{cf.ErrInvalidTagging, awsError{"InvalidTagging", http.StatusBadRequest}},
	{cf.ErrNoSuchResource, awsError{"NoSuchResource", http.StatusNotFound}},
}

// Errors that exist only at the HTTP layer.
var (
	errBodyTooLarge = errors.New("BodyTooLarge")
	// errStoreUnavailable: the request failed and the store does not answer
	// (see explainFailure); not an error of the CloudFront model, but AWS's
	// generic 503 that every SDK retries.
	errStoreUnavailable = errors.New("ServiceUnavailable")
)

var internalError = awsError{"InternalError", http.StatusInternalServerError}

// lookupError returns the wire error for err and whether it was a known one.
func lookupError(err error) (awsError, bool) {
	for _, e := range errorTable {
		if errors.Is(err, e.kind) {
			return e.awsError, true
		}
	}
	var ae *codedErr
	if errors.As(err, &ae) {
		return ae.awsError, true
	}
	switch {
	case errors.Is(err, errBodyTooLarge):
		return awsError{"InvalidArgument", http.StatusRequestEntityTooLarge}, true
	case errors.Is(err, errStoreUnavailable):
		return awsError{"ServiceUnavailable", http.StatusServiceUnavailable}, true
	}
	return internalError, false
}

// message returns the text for the caller: the domain message if any.
func message(err error) string {
	var de *cf.Error
	if errors.As(err, &de) {
		return de.Message
	}
	var ae *codedErr
	if errors.As(err, &ae) {
		return ae.Message
	}
	switch {
	case errors.Is(err, errBodyTooLarge):
		return "The request body is larger than this server accepts."
	case errors.Is(err, errStoreUnavailable):
		return "The service cannot reach its database at the moment. Please try again."
	}
	return ""
}

// codedErr is an error with its own wire code: an Authenticator's refusal
// (with the reason the log names) or an error of the API model that no
// domain error stands for.
type codedErr struct {
	awsError
	Message string
	Reason  string // for the request log: why the request was refused
}

func (e *codedErr) Error() string { return e.Code + ": " + e.Message }

// AuthError returns an error an Authenticator reports with its own wire code
// and status, e.g. SignatureDoesNotMatch (403); reason (e.g. "bad
// signature") goes to the request log only.
func AuthError(reason, code string, status int, message string) error {
	return &codedErr{awsError{code, status}, message, reason}
}

// codedError is an error of the API model that no domain error stands for
// (e.g. NoSuchDistribution, of the web distributions streamfront never holds).
func codedError(code string, status int, message string) error {
	return &codedErr{awsError{code, status}, message, ""}
}

// refusalReason is the log reason of an authentication error, or "".
func refusalReason(err error) string {
	var ae *codedErr
	if errors.As(err, &ae) {
		return ae.Reason
	}
	return ""
}

// WireError returns the AWS error code and HTTP status err is answered with,
// and whether it is a known (mapped) error; tests and fuzzers use it.
func WireError(err error) (code string, status int, known bool) {
	ae, known := lookupError(err)
	return ae.Code, ae.Status, known
}
