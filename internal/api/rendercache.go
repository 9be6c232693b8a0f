package api

import (
	"bytes"
	"encoding/xml"
	"strings"

	cf "github.com/streamfront/streamfront/internal/cloudfront"
	"github.com/streamfront/streamfront/internal/memo"
)

// renderedXML is a response document already encoded, XML header included.
type renderedXML []byte

// renderKey holds everything a GetStreamingDistribution document depends
// on: Id, ETag (which fixes the config and LastModifiedTime, since every
// write draws a new one), Status, and the active key pairs of the trusted
// signers (which change without a write). A cached document therefore can
// never be stale, and repeated reads skip the XML encoding (a third of a
// Get's handler time).
type renderKey struct{ id, etag, status, signers string }

func newRenderCache() *memo.Cache[renderKey, renderedXML] {
	return memo.New[renderKey, renderedXML](10000)
}

func (s *Server) renderDistribution(d *cf.StreamingDistribution) (renderedXML, error) {
	var signers strings.Builder
	for _, sg := range d.ActiveTrustedSigners.Signers {
		signers.WriteString(sg.AwsAccountNumber)
		for _, k := range sg.KeyPairIDs {
			signers.WriteString("," + k)
		}
		signers.WriteString(";")
	}
	return s.rendered.Get(renderKey{d.ID, d.ETag, d.Status, signers.String()}, func() (renderedXML, error) {
		var buf bytes.Buffer
		buf.WriteString(xml.Header)
		err := xml.NewEncoder(&buf).Encode(distributionXML(d))
		return buf.Bytes(), err
	})
}
