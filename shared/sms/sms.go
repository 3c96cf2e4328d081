// Package sms is the SNS adapter: it publishes text messages straight to phone numbers.
package sms

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sns/types"
)

// Client sends SMS through SNS. It implements courier.Sender.
type Client struct {
	sns      *sns.Client
	senderID string
}

// New returns a Client. senderID is optional; some destinations ignore or refuse it.
func New(c *sns.Client, senderID string) *Client { return &Client{sns: c, senderID: senderID} }

// NewSNS returns an SNS client; endpoint overrides the AWS endpoint (the local stack).
func NewSNS(cfg aws.Config, endpoint string) *sns.Client {
	return sns.NewFromConfig(cfg, func(o *sns.Options) {
		if endpoint != "" {
			o.BaseEndpoint = aws.String(endpoint)
		}
	})
}

// SendSMS publishes text to the E.164 number as a transactional SMS.
func (c *Client) SendSMS(ctx context.Context, to, text string) error {
	attrs := map[string]types.MessageAttributeValue{
		"AWS.SNS.SMS.SMSType": {DataType: aws.String("String"), StringValue: aws.String("Transactional")},
	}
	if c.senderID != "" {
		attrs["AWS.SNS.SMS.SenderID"] = types.MessageAttributeValue{DataType: aws.String("String"), StringValue: aws.String(c.senderID)}
	}
	if _, err := c.sns.Publish(ctx, &sns.PublishInput{PhoneNumber: aws.String(to), Message: aws.String(text), MessageAttributes: attrs}); err != nil {
		return fmt.Errorf("sns publish: %w", err)
	}
	return nil
}
