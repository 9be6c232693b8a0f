package cloudfront

import (
	"encoding/json"

	"github.com/streamfront/streamfront/internal/memo"
	"github.com/streamfront/streamfront/internal/store"
)

// configKey names one stored configuration forever: an ETag is drawn afresh
// for every write, so a cached decoding can never be stale, whichever
// process or node wrote it. Reads skip the JSON decoding (a sixth of a Get's
// handler time).
//
// The slices of a cached configuration are shared by every reader: callers
// must not modify a StreamingDistribution's Config.
type configKey struct{ id, etag string }

func newConfigCache() *memo.Cache[configKey, StreamingDistributionConfig] {
	return memo.New[configKey, StreamingDistributionConfig](10000)
}

func (s *Service) decodeConfig(r *store.Distribution) (StreamingDistributionConfig, error) {
	return s.configs.Get(configKey{r.ID, r.ETag}, func() (cfg StreamingDistributionConfig, err error) {
		return cfg, json.Unmarshal(r.Config, &cfg)
	})
}
