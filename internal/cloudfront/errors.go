package cloudfront

import (
	"errors"
	"fmt"
	"slices"
)

// Domain errors. Each has exactly one CloudFront error code, assigned by the
// table in internal/api; wrap them with Errorf to add a message. Declare a
// new one with kind: TestEveryDomainErrorIsMapped then fails until the
// table maps it.
var (
	ErrMissingBody                 = kind("MissingBody")
	ErrInvalidArgument             = kind("InvalidArgument")
	ErrInconsistentQuantities      = kind("InconsistentQuantities")
	ErrInvalidOrigin               = kind("InvalidOrigin")
	ErrInvalidOriginAccessIdentity = kind("InvalidOriginAccessIdentity")
	ErrInvalidOriginAccessControl  = kind("InvalidOriginAccessControl")
	ErrCNAMEAlreadyExists          = kind("CNAMEAlreadyExists")
	ErrDistributionAlreadyExists   = kind("StreamingDistributionAlreadyExists")
	ErrTooManyCNAMEs               = kind("TooManyStreamingDistributionCNAMEs")
	ErrTooManyTrustedSigners       = kind("TooManyTrustedSigners")
	ErrTooManyDistributions        = kind("TooManyStreamingDistributions")
	ErrTrustedSignerDoesNotExist   = kind("TrustedSignerDoesNotExist")
	ErrAccessDenied                = kind("AccessDenied")
	ErrNoSuchDistribution          = kind("NoSuchStreamingDistribution")
	ErrInvalidIfMatchVersion       = kind("InvalidIfMatchVersion")
	ErrPreconditionFailed          = kind("PreconditionFailed")
	ErrIllegalUpdate               = kind("IllegalUpdate")
	ErrDistributionNotDisabled     = kind("StreamingDistributionNotDisabled")
	ErrNoSuchOAI                   = kind("NoSuchCloudFrontOriginAccessIdentity")
	ErrOAIAlreadyExists            = kind("CloudFrontOriginAccessIdentityAlreadyExists")
	ErrOAIInUse                    = kind("CloudFrontOriginAccessIdentityInUse")
	ErrTooManyOAIs                 = kind("TooManyCloudFrontOriginAccessIdentities")
	ErrInvalidTagging              = kind("InvalidTagging")
	ErrNoSuchResource              = kind("NoSuchResource")
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

// allErrors is every domain error kind, registered by kind as it is
// declared, so that no sentinel can be left out of it.
var allErrors []error

// kind returns a new domain error kind whose text is its CloudFront code.
func kind(code string) error {
	err := errors.New(code)
	allErrors = append(allErrors, err)
	return err
}

// AllErrors returns every domain error kind, so the API can prove each is
// mapped.
func AllErrors() []error { return slices.Clone(allErrors) }
