package api

import "net/http"

func resource(c *call) (string, error) {
	arn := c.query.Get("Resource")
	if arn == "" {
		return "", required("Resource")
	}
	return arn, nil
}

func listTags(s *Server, c *call) (*response, error) {
	arn, err := resource(c)
	if err != nil {
		return nil, err
	}
	tags, err := s.cfg.Service.ListTagsForResource(c.ctx, c.account, arn)
	if err != nil {
		return nil, err
	}
	out := &xmlTagsOut{XMLName: root("Tags")}
	items := make([]xmlTagOut, len(tags))
	for i, t := range tags {
		items[i] = xmlTagOut(t)
	}
	out.Items = &items
	return &response{status: http.StatusOK, body: out}, nil
}

func tagResource(s *Server, c *call) (*response, error) {
	arn, err := resource(c)
	if err != nil {
		return nil, err
	}
	var x xmlTags
	if err := decodeXML(c.body, &x); err != nil {
		return nil, err
	}
	tags, err := fromXMLTags(&x)
	if err != nil {
		return nil, err
	}
	if err := s.cfg.Service.TagResource(c.ctx, c.account, arn, tags); err != nil {
		return nil, err
	}
	return noContent(), nil
}

func untagResource(s *Server, c *call) (*response, error) {
	arn, err := resource(c)
	if err != nil {
		return nil, err
	}
	var x xmlTagKeys
	if err := decodeXML(c.body, &x); err != nil {
		return nil, err
	}
	var keys []string
	if x.Items != nil {
		keys = *x.Items
	}
	if err := s.cfg.Service.UntagResource(c.ctx, c.account, arn, keys); err != nil {
		return nil, err
	}
	return noContent(), nil
}
