package api

import (
	"bytes"
	"encoding/xml"
	"io"
	"strings"

	cf "github.com/streamfront/streamfront/internal/cloudfront"
)

// decodeXML parses body into v, turning every failure into a client error.
func decodeXML(body []byte, v any) error {
	if len(bytes.TrimSpace(body)) == 0 {
		return cf.Errorf(cf.ErrMissingBody, "This operation requires a body. Ensure that the body is present and the Content-Type header is set.")
	}
	d := xml.NewDecoder(bytes.NewReader(body))
	d.Strict = true
	if err := d.Decode(v); err != nil {
		return cf.Errorf(cf.ErrInvalidArgument, "The XML you provided was not well-formed or did not validate: %s.", err)
	}
	// A document has one root: only whitespace, comments and processing
	// instructions may follow it.
	for {
		tok, err := d.Token()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return cf.Errorf(cf.ErrInvalidArgument, "The XML you provided was not well-formed or did not validate: %s.", err)
		}
		switch t := tok.(type) {
		case xml.Comment, xml.ProcInst:
		case xml.CharData:
			if len(bytes.TrimSpace(t)) > 0 {
				return cf.Errorf(cf.ErrInvalidArgument, "The XML you provided has text after its root element.")
			}
		default:
			return cf.Errorf(cf.ErrInvalidArgument, "The XML you provided has more than one root element.")
		}
	}
}

func required(name string) error {
	return cf.Errorf(cf.ErrInvalidArgument, "The required parameter %s is missing.", name)
}

func quantities(name string, q *int, items *[]string) ([]string, error) {
	if q == nil {
		return nil, required(name + ".Quantity")
	}
	var it []string
	if items != nil {
		it = *items
	}
	if *q != len(it) {
		return nil, cf.Errorf(cf.ErrInconsistentQuantities, "The value of %s.Quantity (%d) and the size of %s.Items (%d) do not match.", name, *q, name, len(it))
	}
	for _, s := range it {
		if strings.TrimSpace(s) == "" {
			return nil, cf.Errorf(cf.ErrInvalidArgument, "%s.Items contains an empty value.", name)
		}
	}
	return it, nil
}

// fromXMLConfig checks the members the model marks required and the
// Quantity/Items agreement, then converts to the domain type.
func fromXMLConfig(x *xmlConfig) (cf.StreamingDistributionConfig, error) {
	var c cf.StreamingDistributionConfig
	switch {
	case x == nil:
		return c, required("StreamingDistributionConfig")
	case x.CallerReference == nil:
		return c, required("CallerReference")
	case x.S3Origin == nil:
		return c, required("S3Origin")
	case x.S3Origin.DomainName == nil:
		return c, required("S3Origin.DomainName")
	case x.S3Origin.OriginAccessIdentity == nil:
		return c, required("S3Origin.OriginAccessIdentity")
	case x.Comment == nil:
		return c, required("Comment")
	case x.TrustedSigners == nil:
		return c, required("TrustedSigners")
	case x.TrustedSigners.Enabled == nil:
		return c, required("TrustedSigners.Enabled")
	case x.Enabled == nil:
		return c, required("Enabled")
	}
	c.CallerReference = *x.CallerReference
	c.S3Origin.DomainName = strings.TrimSpace(*x.S3Origin.DomainName)
	c.S3Origin.OriginAccessIdentity = strings.TrimSpace(*x.S3Origin.OriginAccessIdentity)
	c.Comment = *x.Comment
	c.Enabled = *x.Enabled
	if x.PriceClass != nil {
		c.PriceClass = *x.PriceClass
	}
	var err error
	if x.Aliases != nil {
		if c.Aliases, err = quantities("Aliases", x.Aliases.Quantity, x.Aliases.Items); err != nil {
			return c, err
		}
	}
	c.TrustedSigners.Enabled = *x.TrustedSigners.Enabled
	if c.TrustedSigners.Items, err = quantities("TrustedSigners", x.TrustedSigners.Quantity, x.TrustedSigners.Items); err != nil {
		return c, err
	}
	if l := x.Logging; l != nil {
		switch {
		case l.Enabled == nil:
			return c, required("Logging.Enabled")
		case l.Bucket == nil:
			return c, required("Logging.Bucket")
		case l.Prefix == nil:
			return c, required("Logging.Prefix")
		}
		c.Logging = cf.Logging{Enabled: *l.Enabled, Bucket: *l.Bucket, Prefix: *l.Prefix}
	}
	return c, nil
}

func fromXMLTags(x *xmlTags) ([]cf.Tag, error) {
	if x == nil || x.Items == nil {
		return []cf.Tag{}, nil
	}
	out := make([]cf.Tag, 0, len(*x.Items))
	for _, t := range *x.Items {
		if t.Key == nil {
			return nil, required("Tag.Key")
		}
		tag := cf.Tag{Key: *t.Key}
		if t.Value != nil {
			tag.Value = *t.Value
		}
		out = append(out, tag)
	}
	return out, nil
}
