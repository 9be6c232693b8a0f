package api

import (
	"bytes"
	"encoding/xml"
	"strings"
	"sync"

	cf "github.com/streamfront/streamfront/internal/cloudfront"
)

// renderedXML is a response document already encoded, XML header included.
type renderedXML []byte

// renderCache keeps the encoded GetStreamingDistribution document of each
// distribution state, so that repeated reads skip the XML encoding (a
// third of a Get's handler time). The key holds everything the document
// depends on: Id, ETag (which fixes the config and LastModifiedTime, since
// every write draws a new one), Status, and the active key pairs of the
// trusted signers (which change without a write). An entry can therefore
// never be stale; the cache is emptied when it reaches maxRendered entries.
type renderCache struct {
	mu sync.RWMutex
	m  map[renderKey]renderedXML
}

type renderKey struct{ id, etag, status, signers string }

const maxRendered = 10000

func (c *renderCache) distribution(d *cf.StreamingDistribution) (renderedXML, error) {
	var signers strings.Builder
	for _, s := range d.ActiveTrustedSigners.Signers {
		signers.WriteString(s.AwsAccountNumber)
		for _, k := range s.KeyPairIDs {
			signers.WriteString("," + k)
		}
		signers.WriteString(";")
	}
	k := renderKey{d.ID, d.ETag, d.Status, signers.String()}
	c.mu.RLock()
	doc, ok := c.m[k]
	c.mu.RUnlock()
	if ok {
		return doc, nil
	}
	var buf bytes.Buffer
	buf.WriteString(xml.Header)
	if err := xml.NewEncoder(&buf).Encode(distributionXML(d)); err != nil {
		return nil, err
	}
	doc = buf.Bytes()
	c.mu.Lock()
	if c.m == nil || len(c.m) >= maxRendered {
		c.m = make(map[renderKey]renderedXML)
	}
	c.m[k] = doc
	c.mu.Unlock()
	return doc, nil
}
