package cloudfront

import (
	"context"
	"errors"

	"github.com/streamfront/streamfront/internal/store"
)

// TaggedResource is a streaming distribution's ARN with its tags, as the
// Resource Groups Tagging API lists it.
type TaggedResource struct {
	ARN  string
	Tags []Tag
}

// TaggedResources returns the account's streaming distributions that carry
// at least one tag (what the tagging API's GetResources lists), in id order.
// They are the same tags CloudFront's own ListTagsForResource returns.
func (s *Service) TaggedResources(ctx context.Context, account string) ([]TaggedResource, error) {
	var out []TaggedResource
	marker := ""
	for {
		recs, err := s.store.ListDistributions(ctx, account, marker, 1000)
		if err != nil {
			return nil, err
		}
		for _, r := range recs {
			tags, err := s.store.ListTags(ctx, account, r.ID)
			if errors.Is(err, store.ErrNotFound) {
				continue // deleted meanwhile
			}
			if err != nil {
				return nil, err
			}
			if len(tags) == 0 {
				continue
			}
			tr := TaggedResource{ARN: DistributionARN(account, r.ID), Tags: make([]Tag, len(tags))}
			for i, t := range tags {
				tr.Tags[i] = Tag(t)
			}
			out = append(out, tr)
		}
		if len(recs) < 1000 {
			return out, nil
		}
		marker = recs[len(recs)-1].ID
	}
}
