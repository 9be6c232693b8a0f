package testenv

import (
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/resourcegroupstaggingapi"
)

// TaggingClient returns a Resource Groups Tagging API client for endpoint
// (the API's own listener) with static credentials.
func TaggingClient(endpoint, accessKey, secret string) *resourcegroupstaggingapi.Client {
	return resourcegroupstaggingapi.New(resourcegroupstaggingapi.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(endpoint),
		Credentials:  credentials.NewStaticCredentialsProvider(accessKey, secret, ""),
		Retryer:      aws.NopRetryer{},
	})
}

// TaggingClient returns a tagging API client of s with dummy credentials (open mode).
func (s *Server) TaggingClient() *resourcegroupstaggingapi.Client {
	return TaggingClient(s.URL, "AKIDEXAMPLE", "secret")
}

// TaggingClientFor returns a tagging API client of s signing with k.
func (s *Server) TaggingClientFor(k Key) *resourcegroupstaggingapi.Client {
	return TaggingClient(s.URL, k.ID, k.Secret)
}
