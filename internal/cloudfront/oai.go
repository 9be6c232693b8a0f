package cloudfront

import (
	"context"
	"errors"
	"unicode/utf8"

	"github.com/streamfront/streamfront/internal/store"
)

func validateOAIConfig(callerRef, comment string) error {
	if callerRef == "" {
		return Errorf(ErrInvalidArgument, "CallerReference is required and must not be empty.")
	}
	if utf8.RuneCountInString(comment) > MaxCommentLen {
		return Errorf(ErrInvalidArgument, "The parameter Comment is too long: at most %d characters.", MaxCommentLen)
	}
	return nil
}

func translateOAI(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, store.ErrNotFound):
		return Errorf(ErrNoSuchOAI, "The specified origin access identity does not exist.")
	case errors.Is(err, store.ErrPreconditionFailed):
		return Errorf(ErrPreconditionFailed, "The If-Match version is missing or not valid for the resource.")
	case errors.Is(err, store.ErrCallerReferenceExists):
		return Errorf(ErrOAIAlreadyExists, "If the CallerReference is a value you already sent in a previous request to create an identity, CloudFront returns this error.")
	case errors.Is(err, store.ErrQuotaExceeded):
		return Errorf(ErrTooManyOAIs, "Processing your request would cause you to exceed the maximum number of origin access identities allowed.")
	case errors.Is(err, store.ErrInUse):
		return Errorf(ErrOAIInUse, "The Origin Access Identity specified is already in use.")
	}
	return err
}

func oaiFromRecord(o *store.OAI) *OriginAccessIdentity {
	return &OriginAccessIdentity{ID: o.ID, S3CanonicalUserID: o.S3CanonicalUserID,
		CallerReference: o.CallerReference, Comment: o.Comment, ETag: o.ETag}
}

func (s *Service) CreateOriginAccessIdentity(ctx context.Context, account, callerRef, comment string) (*OriginAccessIdentity, error) {
	if err := validateOAIConfig(callerRef, comment); err != nil {
		return nil, err
	}
	id := NewID()
	rec := &store.OAI{Account: account, ID: id, ETag: newETag(), CallerReference: callerRef,
		S3CanonicalUserID: canonicalUserID(account, id), Comment: comment, CreatedAt: s.now()}
	if err := s.store.CreateOAI(ctx, rec, s.oaiQuota(account)); err != nil {
		return nil, translateOAI(err)
	}
	return oaiFromRecord(rec), nil
}

func (s *Service) GetOriginAccessIdentity(ctx context.Context, account, id string) (*OriginAccessIdentity, error) {
	rec, err := s.store.GetOAI(ctx, account, id)
	if err != nil {
		return nil, translateOAI(err)
	}
	return oaiFromRecord(rec), nil
}

func (s *Service) ListOriginAccessIdentities(ctx context.Context, account, marker string, maxItems int) (*Page[*OriginAccessIdentity], error) {
	recs, err := s.store.ListOAIs(ctx, account, marker, maxItems+1)
	if err != nil {
		return nil, err
	}
	page := &Page[*OriginAccessIdentity]{Marker: marker, MaxItems: maxItems}
	if len(recs) > maxItems {
		recs = recs[:maxItems]
		page.IsTruncated = true
		page.NextMarker = recs[len(recs)-1].ID
	}
	for _, r := range recs {
		page.Items = append(page.Items, oaiFromRecord(r))
	}
	return page, nil
}

func (s *Service) UpdateOriginAccessIdentity(ctx context.Context, account, id, ifMatch, callerRef, comment string) (*OriginAccessIdentity, error) {
	if ifMatch == "" {
		return nil, Errorf(ErrInvalidIfMatchVersion, "The If-Match version is missing or not valid for the resource.")
	}
	if err := validateOAIConfig(callerRef, comment); err != nil {
		return nil, err
	}
	cur, err := s.store.GetOAI(ctx, account, id)
	if err != nil {
		return nil, translateOAI(err)
	}
	if cur.ETag != ifMatch {
		return nil, translateOAI(store.ErrPreconditionFailed)
	}
	if cur.CallerReference != callerRef {
		return nil, Errorf(ErrIllegalUpdate, "The CallerReference of an origin access identity cannot be changed.")
	}
	rec := *cur
	rec.ETag, rec.Comment = newETag(), comment
	if err := s.store.UpdateOAI(ctx, &rec, ifMatch); err != nil {
		return nil, translateOAI(err)
	}
	return oaiFromRecord(&rec), nil
}

func (s *Service) DeleteOriginAccessIdentity(ctx context.Context, account, id, ifMatch string) error {
	if ifMatch == "" {
		return Errorf(ErrInvalidIfMatchVersion, "The If-Match version is missing or not valid for the resource.")
	}
	return translateOAI(s.store.DeleteOAI(ctx, account, id, ifMatch))
}
