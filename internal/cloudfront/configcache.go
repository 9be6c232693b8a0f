package cloudfront

import (
	"encoding/json"
	"sync"

	"github.com/streamfront/streamfront/internal/store"
)

// configCache keeps decoded configurations by distribution Id and ETag.
// An ETag is drawn afresh for every write, so an (Id, ETag) pair names one
// configuration forever: an entry can never be stale, whichever process or
// node wrote it, and reads skip the JSON decoding (a sixth of a Get's
// handler time). The cache is emptied when it reaches maxConfigs entries.
//
// The slices of a cached configuration are shared by every reader: callers
// must not modify a StreamingDistribution's Config.
type configCache struct {
	mu sync.RWMutex
	m  map[configKey]StreamingDistributionConfig
}

type configKey struct{ id, etag string }

const maxConfigs = 10000

func (c *configCache) decode(r *store.Distribution) (StreamingDistributionConfig, error) {
	k := configKey{r.ID, r.ETag}
	c.mu.RLock()
	cfg, ok := c.m[k]
	c.mu.RUnlock()
	if ok {
		return cfg, nil
	}
	if err := json.Unmarshal(r.Config, &cfg); err != nil {
		return cfg, err
	}
	c.mu.Lock()
	if c.m == nil || len(c.m) >= maxConfigs {
		c.m = make(map[configKey]StreamingDistributionConfig)
	}
	c.m[k] = cfg
	c.mu.Unlock()
	return cfg, nil
}
