package api

import (
	"net/http"

	cf "github.com/streamfront/streamfront/internal/cloudfront"
)

func decodeOAIConfig(body []byte) (callerRef, comment string, err error) {
	var x xmlOAIConfig
	if err := decodeXML(body, &x); err != nil {
		return "", "", err
	}
	if x.CallerReference == nil {
		return "", "", required("CallerReference")
	}
	if x.Comment == nil {
		return "", "", required("Comment")
	}
	return *x.CallerReference, *x.Comment, nil
}

func createOAI(s *Server, c *call) (*response, error) {
	ref, comment, err := decodeOAIConfig(c.body)
	if err != nil {
		return nil, err
	}
	o, err := s.cfg.Service.CreateOriginAccessIdentity(c.ctx, c.account, ref, comment)
	if err != nil {
		return nil, err
	}
	return created(c, "origin-access-identity/cloudfront/"+o.ID, o.ETag, oaiXML(o)), nil
}

func getOAI(s *Server, c *call) (*response, error) {
	o, err := s.cfg.Service.GetOriginAccessIdentity(c.ctx, c.account, c.id)
	if err != nil {
		return nil, err
	}
	return ok(o.ETag, oaiXML(o)), nil
}

func getOAIConfig(s *Server, c *call) (*response, error) {
	o, err := s.cfg.Service.GetOriginAccessIdentity(c.ctx, c.account, c.id)
	if err != nil {
		return nil, err
	}
	x := oaiXML(o).Config
	x.XMLName = root("CloudFrontOriginAccessIdentityConfig")
	return ok(o.ETag, x), nil
}

func updateOAI(s *Server, c *call) (*response, error) {
	ifMatch := c.header.Get("If-Match")
	if ifMatch == "" {
		return nil, cf.Errorf(cf.ErrInvalidIfMatchVersion, "The If-Match version is missing or not valid for the resource.")
	}
	ref, comment, err := decodeOAIConfig(c.body)
	if err != nil {
		return nil, err
	}
	o, err := s.cfg.Service.UpdateOriginAccessIdentity(c.ctx, c.account, c.id, ifMatch, ref, comment)
	if err != nil {
		return nil, err
	}
	return ok(o.ETag, oaiXML(o)), nil
}

func deleteOAI(s *Server, c *call) (*response, error) {
	if err := s.cfg.Service.DeleteOriginAccessIdentity(c.ctx, c.account, c.id, c.header.Get("If-Match")); err != nil {
		return nil, err
	}
	return noContent(), nil
}

func listOAIs(s *Server, c *call) (*response, error) {
	n, err := maxItems(c)
	if err != nil {
		return nil, err
	}
	page, err := s.cfg.Service.ListOriginAccessIdentities(c.ctx, c.account, c.query.Get("Marker"), n)
	if err != nil {
		return nil, err
	}
	out := &xmlOAIList{XMLName: root("CloudFrontOriginAccessIdentityList"), Marker: page.Marker,
		NextMarker: page.NextMarker, MaxItems: page.MaxItems, IsTruncated: page.IsTruncated, Quantity: len(page.Items)}
	if len(page.Items) > 0 {
		items := make([]xmlOAISummary, len(page.Items))
		for i, o := range page.Items {
			items[i] = xmlOAISummary{ID: o.ID, S3CanonicalUserID: o.S3CanonicalUserID, Comment: o.Comment}
		}
		out.Items = &items
	}
	return &response{status: http.StatusOK, body: out}, nil
}
