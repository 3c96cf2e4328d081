package sms

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sns/types"
)

// Topic publishes JSON messages to one SNS topic. It implements closure.Publisher.
type Topic struct {
	sns *sns.Client
	arn string
}

// NewTopic returns a Topic publishing to the topic arn.
func NewTopic(c *sns.Client, arn string) *Topic { return &Topic{sns: c, arn: arn} }

// Publish publishes body (JSON) with the message attribute "type" set to eventType, so that
// subscribers can filter on it.
func (t *Topic) Publish(ctx context.Context, eventType string, body []byte) error {
	_, err := t.sns.Publish(ctx, &sns.PublishInput{TopicArn: aws.String(t.arn), Message: aws.String(string(body)),
		MessageAttributes: map[string]types.MessageAttributeValue{
			"type": {DataType: aws.String("String"), StringValue: aws.String(eventType)},
		}})
	if err != nil {
		return fmt.Errorf("sns publish %s: %w", eventType, err)
	}
	return nil
}
