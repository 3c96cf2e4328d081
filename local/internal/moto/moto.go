// Package moto reads what moto_server recorded: the SMS SNS "sent" and the email SES "sent".
package moto

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
)

// SMS is one SMS published through moto's SNS.
type SMS struct {
	MessageID string `json:"message_id"`
	To        string `json:"phone_number"`
	Text      string `json:"message"`
}

// dataJSON is the part of GET /moto-api/data.json that holds SMS: {"sns": {"SMS": [...]}}.
type dataJSON struct {
	SNS struct {
		SMS []SMS `json:"SMS"`
	} `json:"sns"`
}

// SentSMS returns every SMS moto at baseURL (http://127.0.0.1:port) recorded, oldest first.
func SentSMS(ctx context.Context, client *http.Client, baseURL string) ([]SMS, error) {
	url := strings.TrimRight(baseURL, "/") + "/moto-api/data.json"
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, fmt.Errorf("read sent SMS: %w", err)
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("read sent SMS: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("read sent SMS: GET %s: %s", url, resp.Status)
	}
	var d dataJSON
	if err := json.NewDecoder(resp.Body).Decode(&d); err != nil {
		return nil, fmt.Errorf("read sent SMS: decode %s: %w", url, err)
	}
	return d.SNS.SMS, nil
}

// Email is one email sent through moto's SES (v1 or v2, the same backend).
type Email struct {
	MessageID    string `json:"id"`
	From         string `json:"source"`
	Subject      string `json:"subject"`
	Body         string `json:"body"`
	Destinations struct {
		To []string `json:"ToAddresses"`
	} `json:"destinations"`
}

// To is the email's first recipient (the stack sends each email to one address).
func (e Email) To() string {
	if len(e.Destinations.To) == 0 {
		return ""
	}
	return e.Destinations.To[0]
}

// sesJSON is the part of GET /moto-api/data.json that holds sent email: {"ses": {"Message": [...]}}.
type sesJSON struct {
	SES struct {
		Message []Email `json:"Message"`
	} `json:"ses"`
}

// SentEmail returns every email moto at baseURL recorded, oldest first.
func SentEmail(ctx context.Context, client *http.Client, baseURL string) ([]Email, error) {
	var d sesJSON
	if err := getData(ctx, client, baseURL, &d); err != nil {
		return nil, fmt.Errorf("read sent email: %w", err)
	}
	return d.SES.Message, nil
}

// getData decodes GET /moto-api/data.json into v.
func getData(ctx context.Context, client *http.Client, baseURL string, v any) error {
	url := strings.TrimRight(baseURL, "/") + "/moto-api/data.json"
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		return fmt.Errorf("decode %s: %w", url, err)
	}
	return nil
}
