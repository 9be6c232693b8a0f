package api

import (
	"encoding/xml"
	"time"

	cf "github.com/streamfront/streamfront/internal/cloudfront"
)

// Namespace is the XML namespace of every CloudFront 2020-05-31 document.
const Namespace = "http://cloudfront.amazonaws.com/doc/2020-05-31/"

// Wire shapes. Request members are pointers so that a missing required
// member is told apart from an empty one; element order on input does not
// matter (encoding/xml matches by name), on output it follows the model.

type xmlS3Origin struct {
	DomainName           *string `xml:"DomainName"`
	OriginAccessIdentity *string `xml:"OriginAccessIdentity"`
}

type xmlAliases struct {
	Quantity *int      `xml:"Quantity"`
	Items    *[]string `xml:"Items>CNAME"`
}

type xmlLogging struct {
	Enabled *bool   `xml:"Enabled"`
	Bucket  *string `xml:"Bucket"`
	Prefix  *string `xml:"Prefix"`
}

type xmlTrustedSigners struct {
	Enabled  *bool     `xml:"Enabled"`
	Quantity *int      `xml:"Quantity"`
	Items    *[]string `xml:"Items>AwsAccountNumber"`
}

type xmlConfig struct {
	XMLName         xml.Name           `xml:"StreamingDistributionConfig"`
	CallerReference *string            `xml:"CallerReference"`
	S3Origin        *xmlS3Origin       `xml:"S3Origin"`
	Aliases         *xmlAliases        `xml:"Aliases"`
	Comment         *string            `xml:"Comment"`
	Logging         *xmlLogging        `xml:"Logging"`
	TrustedSigners  *xmlTrustedSigners `xml:"TrustedSigners"`
	PriceClass      *string            `xml:"PriceClass"`
	Enabled         *bool              `xml:"Enabled"`
}

type xmlTag struct {
	Key   *string `xml:"Key"`
	Value *string `xml:"Value"`
}

type xmlTags struct {
	XMLName xml.Name  `xml:"Tags"`
	Items   *[]xmlTag `xml:"Items>Tag"`
}

type xmlConfigWithTags struct {
	XMLName xml.Name   `xml:"StreamingDistributionConfigWithTags"`
	Config  *xmlConfig `xml:"StreamingDistributionConfig"`
	Tags    *xmlTags   `xml:"Tags"`
}

type xmlTagKeys struct {
	XMLName xml.Name  `xml:"TagKeys"`
	Items   *[]string `xml:"Items>Key"`
}

type xmlOAIConfig struct {
	XMLName         xml.Name `xml:"CloudFrontOriginAccessIdentityConfig"`
	CallerReference *string  `xml:"CallerReference"`
	Comment         *string  `xml:"Comment"`
}

func ptr[T any](v T) *T { return &v }

func toXMLConfig(c cf.StreamingDistributionConfig) *xmlConfig {
	return &xmlConfig{
		CallerReference: ptr(c.CallerReference),
		S3Origin:        &xmlS3Origin{DomainName: ptr(c.S3Origin.DomainName), OriginAccessIdentity: ptr(c.S3Origin.OriginAccessIdentity)},
		Aliases:         aliasesXML(c.Aliases),
		Comment:         ptr(c.Comment),
		Logging:         &xmlLogging{Enabled: ptr(c.Logging.Enabled), Bucket: ptr(c.Logging.Bucket), Prefix: ptr(c.Logging.Prefix)},
		TrustedSigners:  trustedSignersXML(c.TrustedSigners),
		PriceClass:      ptr(c.PriceClass),
		Enabled:         ptr(c.Enabled),
	}
}

// list returns Items for a list member: omitted when empty, as CloudFront does.
func list(items []string) *[]string {
	if len(items) == 0 {
		return nil
	}
	return &items
}

func aliasesXML(a []string) *xmlAliases {
	return &xmlAliases{Quantity: ptr(len(a)), Items: list(a)}
}

func trustedSignersXML(t cf.TrustedSigners) *xmlTrustedSigners {
	return &xmlTrustedSigners{Enabled: ptr(t.Enabled), Quantity: ptr(len(t.Items)), Items: list(t.Items)}
}

// ---- responses ----

type xmlKeyPairIDs struct {
	Quantity int       `xml:"Quantity"`
	Items    *[]string `xml:"Items>KeyPairId"`
}

type xmlSigner struct {
	AwsAccountNumber string         `xml:"AwsAccountNumber"`
	KeyPairIds       *xmlKeyPairIDs `xml:"KeyPairIds"`
}

type xmlActiveTrustedSigners struct {
	Enabled  bool         `xml:"Enabled"`
	Quantity int          `xml:"Quantity"`
	Items    *[]xmlSigner `xml:"Items>Signer"`
}

type xmlDistribution struct {
	XMLName              xml.Name
	ID                   string                  `xml:"Id"`
	ARN                  string                  `xml:"ARN"`
	Status               string                  `xml:"Status"`
	LastModifiedTime     string                  `xml:"LastModifiedTime"`
	DomainName           string                  `xml:"DomainName"`
	ActiveTrustedSigners xmlActiveTrustedSigners `xml:"ActiveTrustedSigners"`
	Config               *xmlConfig              `xml:"StreamingDistributionConfig"`
}

type xmlSummary struct {
	ID               string             `xml:"Id"`
	ARN              string             `xml:"ARN"`
	Status           string             `xml:"Status"`
	LastModifiedTime string             `xml:"LastModifiedTime"`
	DomainName       string             `xml:"DomainName"`
	S3Origin         xmlS3Origin        `xml:"S3Origin"`
	Aliases          *xmlAliases        `xml:"Aliases"`
	TrustedSigners   *xmlTrustedSigners `xml:"TrustedSigners"`
	Comment          string             `xml:"Comment"`
	PriceClass       string             `xml:"PriceClass"`
	Enabled          bool               `xml:"Enabled"`
}

type xmlDistributionList struct {
	XMLName     xml.Name
	Marker      string        `xml:"Marker"`
	NextMarker  string        `xml:"NextMarker,omitempty"`
	MaxItems    int           `xml:"MaxItems"`
	IsTruncated bool          `xml:"IsTruncated"`
	Quantity    int           `xml:"Quantity"`
	Items       *[]xmlSummary `xml:"Items>StreamingDistributionSummary"`
}

type xmlOAI struct {
	XMLName           xml.Name
	ID                string        `xml:"Id"`
	S3CanonicalUserID string        `xml:"S3CanonicalUserId"`
	Config            *xmlOAIConfig `xml:"CloudFrontOriginAccessIdentityConfig"`
}

type xmlOAISummary struct {
	ID                string `xml:"Id"`
	S3CanonicalUserID string `xml:"S3CanonicalUserId"`
	Comment           string `xml:"Comment"`
}

type xmlOAIList struct {
	XMLName     xml.Name
	Marker      string           `xml:"Marker"`
	NextMarker  string           `xml:"NextMarker,omitempty"`
	MaxItems    int              `xml:"MaxItems"`
	IsTruncated bool             `xml:"IsTruncated"`
	Quantity    int              `xml:"Quantity"`
	Items       *[]xmlOAISummary `xml:"Items>CloudFrontOriginAccessIdentitySummary"`
}

type xmlTagOut struct {
	Key   string `xml:"Key"`
	Value string `xml:"Value"`
}

type xmlTagsOut struct {
	XMLName xml.Name
	Items   *[]xmlTagOut `xml:"Items>Tag"`
}

type xmlError struct {
	XMLName   xml.Name `xml:"ErrorResponse"`
	Xmlns     string   `xml:"xmlns,attr"`
	Type      string   `xml:"Error>Type"`
	Code      string   `xml:"Error>Code"`
	Message   string   `xml:"Error>Message"`
	RequestID string   `xml:"RequestId"`
}

func root(local string) xml.Name { return xml.Name{Space: Namespace, Local: local} }

func timestamp(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

func distributionXML(d *cf.StreamingDistribution) *xmlDistribution {
	ats := xmlActiveTrustedSigners{Enabled: d.ActiveTrustedSigners.Enabled, Quantity: len(d.ActiveTrustedSigners.Signers)}
	if len(d.ActiveTrustedSigners.Signers) > 0 {
		signers := make([]xmlSigner, len(d.ActiveTrustedSigners.Signers))
		for i, s := range d.ActiveTrustedSigners.Signers {
			signers[i] = xmlSigner{AwsAccountNumber: s.AwsAccountNumber,
				KeyPairIds: &xmlKeyPairIDs{Quantity: len(s.KeyPairIDs), Items: list(s.KeyPairIDs)}}
		}
		ats.Items = &signers
	}
	return &xmlDistribution{
		XMLName: root("StreamingDistribution"), ID: d.ID, ARN: d.ARN, Status: d.Status,
		LastModifiedTime: timestamp(d.LastModifiedTime), DomainName: d.DomainName,
		ActiveTrustedSigners: ats, Config: toXMLConfig(d.Config),
	}
}

func summaryXML(d *cf.StreamingDistribution) xmlSummary {
	c := d.Config
	return xmlSummary{
		ID: d.ID, ARN: d.ARN, Status: d.Status, LastModifiedTime: timestamp(d.LastModifiedTime),
		DomainName: d.DomainName,
		S3Origin:   xmlS3Origin{DomainName: ptr(c.S3Origin.DomainName), OriginAccessIdentity: ptr(c.S3Origin.OriginAccessIdentity)},
		Aliases:    aliasesXML(c.Aliases), TrustedSigners: trustedSignersXML(c.TrustedSigners),
		Comment: c.Comment, PriceClass: c.PriceClass, Enabled: c.Enabled,
	}
}

func oaiXML(o *cf.OriginAccessIdentity) *xmlOAI {
	return &xmlOAI{XMLName: root("CloudFrontOriginAccessIdentity"), ID: o.ID, S3CanonicalUserID: o.S3CanonicalUserID,
		Config: &xmlOAIConfig{CallerReference: ptr(o.CallerReference), Comment: ptr(o.Comment)}}
}
