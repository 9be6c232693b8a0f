package cloudfront

import (
	"context"
	"errors"

	"github.com/streamfront/streamfront/internal/store"
)

// resolveARN checks arn names a streaming distribution the caller may see.
func resolveARN(account, arn string) (string, error) {
	owner, id, err := ParseARN(arn)
	if err != nil {
		return "", err
	}
	if owner != account {
		return "", Errorf(ErrAccessDenied, "Access denied to resource %s.", arn)
	}
	return id, nil
}

func translateTags(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, store.ErrNotFound):
		return Errorf(ErrNoSuchResource, "The specified resource does not exist.")
	case errors.Is(err, store.ErrTooManyTags):
		return Errorf(ErrInvalidTagging, "A resource can have at most %d tags.", MaxTags)
	}
	return err
}

func (s *Service) ListTagsForResource(ctx context.Context, account, arn string) ([]Tag, error) {
	id, err := resolveARN(account, arn)
	if err != nil {
		return nil, err
	}
	st, err := s.store.ListTags(ctx, account, id)
	if err != nil {
		return nil, translateTags(err)
	}
	out := make([]Tag, len(st))
	for i, t := range st {
		out[i] = Tag(t)
	}
	return out, nil
}

func (s *Service) TagResource(ctx context.Context, account, arn string, tags []Tag) error {
	id, err := resolveARN(account, arn)
	if err != nil {
		return err
	}
	if err := ValidateTags(tags); err != nil {
		return err
	}
	st := make([]store.Tag, len(tags))
	for i, t := range tags {
		st[i] = store.Tag(t)
	}
	return translateTags(s.store.TagDistribution(ctx, account, id, st, MaxTags))
}

func (s *Service) UntagResource(ctx context.Context, account, arn string, keys []string) error {
	id, err := resolveARN(account, arn)
	if err != nil {
		return err
	}
	for _, k := range keys {
		if err := ValidateTagKey(k); err != nil {
			return err
		}
	}
	return translateTags(s.store.UntagDistribution(ctx, account, id, keys))
}
