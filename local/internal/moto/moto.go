// Package moto reads what moto_server recorded: the SMS SNS "sent".
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
