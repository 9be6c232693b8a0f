package cloudfront

import (
	"errors"
	"fmt"
)

// Domain errors. Each has exactly one CloudFront error code, assigned by the
// table in internal/api; wrap them with Errorf to add a message.
var (
	ErrMissingBody                 = errors.New("MissingBody")
	ErrInvalidArgument             = errors.New("InvalidArgument")
	ErrInconsistentQuantities      = errors.New("InconsistentQuantities")
	ErrInvalidOrigin               = errors.New("InvalidOrigin")
	ErrInvalidOriginAccessIdentity = errors.New("InvalidOriginAccessIdentity")
	ErrInvalidOriginAccessControl  = errors.New("InvalidOriginAccessControl")
	ErrCNAMEAlreadyExists          = errors.New("CNAMEAlreadyExists")
	ErrDistributionAlreadyExists   = errors.New("StreamingDistributionAlreadyExists")
	ErrTooManyCNAMEs               = errors.New("TooManyStreamingDistributionCNAMEs")
	ErrTooManyTrustedSigners       = errors.New("TooManyTrustedSigners")
	ErrTooManyDistributions        = errors.New("TooManyStreamingDistributions")
	ErrTrustedSignerDoesNotExist   = errors.New("TrustedSignerDoesNotExist")
	ErrAccessDenied                = errors.New("AccessDenied")
	ErrNoSuchDistribution          = errors.New("NoSuchStreamingDistribution")
	ErrInvalidIfMatchVersion       = errors.New("InvalidIfMatchVersion")
	ErrPreconditionFailed          = errors.New("PreconditionFailed")
	ErrIllegalUpdate               = errors.New("IllegalUpdate")
	ErrDistributionNotDisabled     = errors.New("StreamingDistributionNotDisabled")
	ErrNoSuchOAI                   = errors.New("NoSuchCloudFrontOriginAccessIdentity")
	ErrOAIAlreadyExists            = errors.New("CloudFrontOriginAccessIdentityAlreadyExists")
	ErrOAIInUse                    = errors.New("CloudFrontOriginAccessIdentityInUse")
	ErrTooManyOAIs                 = errors.New("TooManyCloudFrontOriginAccessIdentities")
	ErrInvalidTagging              = errors.New("InvalidTagging")
	ErrNoSuchResource              = errors.New("NoSuchResource")
)

// Error is a domain error with a message for the caller.
type Error struct {
	Kind    error // one of the Err* sentinels
	Message string
}

func (e *Error) Error() string { return e.Kind.Error() + ": " + e.Message }
func (e *Error) Unwrap() error { return e.Kind }

// Errorf returns a *Error of the given kind.
func Errorf(kind error, format string, args ...any) error {
	return &Error{Kind: kind, Message: fmt.Sprintf(format, args...)}
}

// AllErrors lists every domain error kind, so the API can prove each is mapped.
var AllErrors = []error{
	ErrMissingBody,
	ErrInvalidArgument,
	ErrInconsistentQuantities,
	ErrInvalidOrigin,
	ErrInvalidOriginAccessIdentity,
	ErrInvalidOriginAccessControl,
	ErrCNAMEAlreadyExists,
	ErrDistributionAlreadyExists,
	ErrTooManyCNAMEs,
	ErrTooManyTrustedSigners,
	ErrTooManyDistributions,
	ErrTrustedSignerDoesNotExist,
	ErrAccessDenied,
	ErrNoSuchDistribution,
	ErrInvalidIfMatchVersion,
	ErrPreconditionFailed,
	ErrIllegalUpdate,
	ErrDistributionNotDisabled,
	ErrNoSuchOAI,
	ErrOAIAlreadyExists,
	ErrOAIInUse,
	ErrTooManyOAIs,
	ErrInvalidTagging,
	ErrNoSuchResource,
}
