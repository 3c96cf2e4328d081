// Package ses is the SES adapter: it sends plain-text emails through the SES v2 API.
package ses

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	"github.com/aws/aws-sdk-go-v2/service/sesv2/types"

	"github.com/wallet-accounts/wallet/shared/courier"
)

var _ courier.MailSender = (*Client)(nil)

// Client sends email through SES. It implements courier.MailSender.
type Client struct {
	ses  *sesv2.Client
	from string
}

// New returns a Client that sends from from (EMAIL_FROM: an address of a verified identity,
// optionally with a display name).
func New(c *sesv2.Client, from string) *Client { return &Client{ses: c, from: from} }

// NewSES returns an SES v2 client; endpoint overrides the AWS endpoint (the local stack).
func NewSES(cfg aws.Config, endpoint string) *sesv2.Client {
	return sesv2.NewFromConfig(cfg, func(o *sesv2.Options) {
		if endpoint != "" {
			o.BaseEndpoint = aws.String(endpoint)
		}
	})
}

// SendEmail sends one plain-text email, UTF-8, to one address.
func (c *Client) SendEmail(ctx context.Context, to, subject, body string) error {
	utf8 := aws.String("UTF-8")
	_, err := c.ses.SendEmail(ctx, &sesv2.SendEmailInput{
		FromEmailAddress: aws.String(c.from),
		Destination:      &types.Destination{ToAddresses: []string{to}},
		Content: &types.EmailContent{Simple: &types.Message{
			Subject: &types.Content{Data: aws.String(subject), Charset: utf8},
			Body:    &types.Body{Text: &types.Content{Data: aws.String(body), Charset: utf8}},
		}},
	})
	if err != nil {
		return fmt.Errorf("ses send email: %w", err)
	}
	return nil
}
