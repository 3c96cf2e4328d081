package stack

import (
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	"github.com/aws/aws-sdk-go-v2/service/sns"
)

// Credentials signs requests with the dummy keys, which DynamoDB Local and moto accept.
func Credentials() aws.CredentialsProvider {
	return credentials.NewStaticCredentialsProvider(AccessKeyID, SecretAccessKey, "")
}

// DynamoDB is a client of the DynamoDB Local at endpoint; opts can add middleware
// (APIOptions) or change options.
func DynamoDB(endpoint string, opts ...func(*dynamodb.Options)) *dynamodb.Client {
	return dynamodb.New(dynamodb.Options{Region: Region, BaseEndpoint: aws.String(endpoint), Credentials: Credentials()}, opts...)
}

// SNS is a client of the moto at endpoint; opts can add middleware or change options.
func SNS(endpoint string, opts ...func(*sns.Options)) *sns.Client {
	return sns.New(sns.Options{Region: Region, BaseEndpoint: aws.String(endpoint), Credentials: Credentials()}, opts...)
}

// streamsClient is a client of the streams API of the DynamoDB Local at endpoint.
func streamsClient(endpoint string) *dynamodbstreams.Client {
	return dynamodbstreams.New(dynamodbstreams.Options{Region: Region, BaseEndpoint: aws.String(endpoint), Credentials: Credentials()})
}

// SES is an SES v2 client of the moto at endpoint; opts can add middleware or change options.
func SES(endpoint string, opts ...func(*sesv2.Options)) *sesv2.Client {
	return sesv2.New(sesv2.Options{Region: Region, BaseEndpoint: aws.String(endpoint), Credentials: Credentials()}, opts...)
}
