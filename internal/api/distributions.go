package api

import (
	"net/http"
	"strconv"

	cf "github.com/streamfront/streamfront/internal/cloudfront"
)

func created(c *call, path, etag string, body any) *response {
	return &response{status: http.StatusCreated, body: body,
		header: map[string]string{"Location": c.baseURL + version + path, "ETag": etag}}
}

func ok(etag string, body any) *response {
	return &response{status: http.StatusOK, body: body, header: map[string]string{"ETag": etag}}
}

func noContent() *response { return &response{status: http.StatusNoContent} }

func createDistribution(s *Server, c *call) (*response, error) {
	var x xmlConfig
	if err := decodeXML(c.body, &x); err != nil {
		return nil, err
	}
	return createFrom(s, c, &x, nil)
}

func createDistributionWithTags(s *Server, c *call) (*response, error) {
	var x xmlConfigWithTags
	if err := decodeXML(c.body, &x); err != nil {
		return nil, err
	}
	if x.Tags == nil {
		return nil, required("Tags")
	}
	return createFrom(s, c, x.Config, x.Tags)
}

// createFrom creates a distribution from decoded XML; tags is nil for the
// plain CreateStreamingDistribution.
func createFrom(s *Server, c *call, x *xmlConfig, xtags *xmlTags) (*response, error) {
	cfg, err := fromXMLConfig(x)
	if err != nil {
		return nil, err
	}
	var tags []cf.Tag
	if xtags != nil {
		if tags, err = fromXMLTags(xtags); err != nil {
			return nil, err
		}
	}
	d, err := s.cfg.Service.CreateStreamingDistribution(c.ctx, c.account, cfg, tags)
	if err != nil {
		return nil, err
	}
	return created(c, "streaming-distribution/"+d.ID, d.ETag, distributionXML(d)), nil
}

func getDistribution(s *Server, c *call) (*response, error) {
	d, err := s.cfg.Service.GetStreamingDistribution(c.ctx, c.account, c.id)
	if err != nil {
		return nil, err
	}
	doc, err := s.renderDistribution(d)
	if err != nil {
		return nil, err
	}
	return ok(d.ETag, doc), nil
}

func getDistributionConfig(s *Server, c *call) (*response, error) {
	d, err := s.cfg.Service.GetStreamingDistribution(c.ctx, c.account, c.id)
	if err != nil {
		return nil, err
	}
	x := toXMLConfig(d.Config)
	x.XMLName = root("StreamingDistributionConfig")
	return ok(d.ETag, x), nil
}

func updateDistribution(s *Server, c *call) (*response, error) {
	ifMatch := c.header.Get("If-Match")
	if ifMatch == "" {
		return nil, cf.Errorf(cf.ErrInvalidIfMatchVersion, "The If-Match version is missing or not valid for the resource.")
	}
	var x xmlConfig
	if err := decodeXML(c.body, &x); err != nil {
		return nil, err
	}
	cfg, err := fromXMLConfig(&x)
	if err != nil {
		return nil, err
	}
	d, err := s.cfg.Service.UpdateStreamingDistribution(c.ctx, c.account, c.id, ifMatch, cfg)
	if err != nil {
		return nil, err
	}
	return ok(d.ETag, distributionXML(d)), nil
}

func deleteDistribution(s *Server, c *call) (*response, error) {
	if err := s.cfg.Service.DeleteStreamingDistribution(c.ctx, c.account, c.id, c.header.Get("If-Match")); err != nil {
		return nil, err
	}
	return noContent(), nil
}

// maxItems parses the MaxItems query parameter (default 100, at most 1000).
func maxItems(c *call) (int, error) {
	v := c.query.Get("MaxItems")
	if v == "" {
		return 100, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		return 0, cf.Errorf(cf.ErrInvalidArgument, "MaxItems must be a positive integer, got %q.", v)
	}
	return min(n, 1000), nil
}

func listDistributions(s *Server, c *call) (*response, error) {
	n, err := maxItems(c)
	if err != nil {
		return nil, err
	}
	page, err := s.cfg.Service.ListStreamingDistributions(c.ctx, c.account, c.query.Get("Marker"), n)
	if err != nil {
		return nil, err
	}
	out := &xmlDistributionList{XMLName: root("StreamingDistributionList"), Marker: page.Marker,
		NextMarker: page.NextMarker, MaxItems: page.MaxItems, IsTruncated: page.IsTruncated, Quantity: len(page.Items)}
	if len(page.Items) > 0 {
		items := make([]xmlSummary, len(page.Items))
		for i, d := range page.Items {
			items[i] = summaryXML(d)
		}
		out.Items = &items
	}
	return &response{status: http.StatusOK, body: out}, nil
}
