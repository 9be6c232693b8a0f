package testenv

import (
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/resourcegroupstaggingapi"
	"github.com/aws/aws-sdk-go-v2/service/resourcegroupstaggingapi/schemas"
	"github.com/aws/smithy-go/transport/http/protocol/awsjson"
)

// TaggingClient returns a Resource Groups Tagging API client for endpoint
// (the API's own listener) with static credentials. It speaks the SDK's
// default protocol, Smithy RPC v2 CBOR; with json, AWS JSON 1.1 (what
// botocore, the AWS CLI and older SDKs speak).
func TaggingClient(endpoint, accessKey, secret string, json bool) *resourcegroupstaggingapi.Client {
	return resourcegroupstaggingapi.New(resourcegroupstaggingapi.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(endpoint),
		Credentials:  credentials.NewStaticCredentialsProvider(accessKey, secret, ""),
		Retryer:      aws.NopRetryer{},
	}, func(o *resourcegroupstaggingapi.Options) {
		if json {
			o.Protocol = awsjson.New11(schemas.ResourceGroupsTaggingAPI_20170126)
		}
	})
}

// TaggingClient returns a tagging API client of s with dummy credentials
// (open mode), in the SDK's default protocol (RPC v2 CBOR).
func (s *Server) TaggingClient() *resourcegroupstaggingapi.Client {
	return TaggingClient(s.URL, "AKIDEXAMPLE", "secret", false)
}

// TaggingClientJSON is TaggingClient speaking AWS JSON 1.1.
func (s *Server) TaggingClientJSON() *resourcegroupstaggingapi.Client {
	return TaggingClient(s.URL, "AKIDEXAMPLE", "secret", true)
}

// TaggingClientFor returns a tagging API client of s signing with k.
func (s *Server) TaggingClientFor(k Key) *resourcegroupstaggingapi.Client {
	return TaggingClient(s.URL, k.ID, k.Secret, false)
}
