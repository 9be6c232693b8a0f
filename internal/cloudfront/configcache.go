package cloudfront

import (
	"encoding/json"
	"fmt"

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
	return s.configs.Get(configKey{r.ID, r.ETag}, func() (StreamingDistributionConfig, error) {
		return DecodeConfig(r)
	})
}

// EncodeConfig is the one encoding of a configuration as the store keeps it
// (store.Distribution.Config); DecodeConfig reads it back.
func EncodeConfig(cfg StreamingDistributionConfig) ([]byte, error) { return json.Marshal(cfg) }

// DecodeConfig decodes the configuration of a stored distribution, for the
// service and the RTMP edge alike.
func DecodeConfig(d *store.Distribution) (StreamingDistributionConfig, error) {
	var cfg StreamingDistributionConfig
	if err := json.Unmarshal(d.Config, &cfg); err != nil {
		return cfg, fmt.Errorf("configuration of %s: %w", d.ID, err)
	}
	return cfg, nil
}
