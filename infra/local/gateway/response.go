package gateway

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
)

// functionResponse is a Lambda response mapped to HTTP.
type functionResponse struct {
	status  int
	headers map[string]string
	cookies []string
	body    []byte
}

// structuredResponse is the payload format 2.0 response object.
// multiValueHeaders is not part of format 2.0 and is ignored.
type structuredResponse struct {
	StatusCode      json.RawMessage   `json:"statusCode"`
	Headers         map[string]string `json:"headers"`
	Cookies         []string          `json:"cookies"`
	Body            string            `json:"body"`
	IsBase64Encoded bool              `json:"isBase64Encoded"`
}

var simplifiedHeaders = map[string]string{"content-type": "application/json"}

// mapResponse interprets a function's payload as HTTP API does for payload
// format 2.0: an object with statusCode is a structured response; any other
// valid JSON is returned as a 200 application/json body verbatim. Invalid
// JSON, a bad statusCode or bad base64 is an error, which the gateway turns
// into a 500.
func mapResponse(payload []byte) (functionResponse, error) {
	if len(payload) > MaxInvokePayload {
		return functionResponse{}, fmt.Errorf("response payload of %d bytes exceeds %d", len(payload), MaxInvokePayload)
	}
	trimmed := bytes.TrimLeft(payload, " \t\r\n")
	if len(trimmed) == 0 || trimmed[0] != '{' {
		if !json.Valid(payload) {
			return functionResponse{}, errors.New("response payload is not valid JSON")
		}
		return functionResponse{status: 200, headers: simplifiedHeaders, body: payload}, nil
	}

	var sr structuredResponse
	if err := json.Unmarshal(payload, &sr); err != nil {
		var typeErr *json.UnmarshalTypeError
		if !errors.As(err, &typeErr) {
			return functionResponse{}, fmt.Errorf("response payload is not valid JSON: %w", err)
		}
		// Valid JSON whose fields have other types: it is a structured
		// response (and broken) only if it has a statusCode.
		var probe struct {
			StatusCode json.RawMessage `json:"statusCode"`
		}
		if json.Unmarshal(payload, &probe) == nil && !hasValue(probe.StatusCode) {
			return functionResponse{status: 200, headers: simplifiedHeaders, body: payload}, nil
		}
		return functionResponse{}, fmt.Errorf("decode structured response: %w", err)
	}
	if !hasValue(sr.StatusCode) {
		return functionResponse{status: 200, headers: simplifiedHeaders, body: payload}, nil
	}
	status, err := strconv.Atoi(string(sr.StatusCode))
	// 1xx codes are refused as well: they are not final responses, and
	// net/http would send them as interim responses followed by a 200.
	if err != nil || status < 200 || status > 599 {
		return functionResponse{}, fmt.Errorf("invalid statusCode %s", sr.StatusCode)
	}
	resp := functionResponse{status: status, headers: sr.Headers, cookies: sr.Cookies}
	if sr.IsBase64Encoded {
		resp.body, err = base64.StdEncoding.DecodeString(sr.Body)
		if err != nil {
			return functionResponse{}, fmt.Errorf("decode base64 body: %w", err)
		}
	} else {
		resp.body = []byte(sr.Body)
	}
	return resp, nil
}

func hasValue(raw json.RawMessage) bool {
	return len(raw) > 0 && string(raw) != "null"
}
