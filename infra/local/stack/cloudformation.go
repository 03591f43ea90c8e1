package stack

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/claimsdesk/backend/infra/local/template"
)

// localParameters returns the parameter overrides plus a value for every
// secret parameter (NoEcho, no default) the user did not give: generated once
// and kept in the state dir, as a deployment would keep its secrets. With an
// empty stateDir the values live in memory only.
func localParameters(stateDir string, t *template.Template, overrides map[string]string) (map[string]string, error) {
	out := map[string]string{}
	for k, v := range overrides {
		out[k] = v
	}
	secrets := t.SecretParameters()
	if len(secrets) == 0 {
		return out, nil
	}
	path := filepath.Join(stateDir, "parameters.json")
	kept := map[string]string{}
	if stateDir != "" {
		if data, err := os.ReadFile(path); err == nil {
			if err := json.Unmarshal(data, &kept); err != nil {
				return nil, fmt.Errorf("read %s: %w", path, err)
			}
		}
	}
	changed := false
	for _, name := range secrets {
		if _, ok := out[name]; ok {
			continue
		}
		if v, ok := kept[name]; ok {
			out[name] = v
			continue
		}
		var b [36]byte
		if _, err := rand.Read(b[:]); err != nil {
			return nil, fmt.Errorf("generate %s: %w", name, err)
		}
		kept[name] = base64.RawURLEncoding.EncodeToString(b[:])
		out[name] = kept[name]
		changed = true
	}
	if changed && stateDir != "" {
		data, _ := json.MarshalIndent(kept, "", "  ")
		if err := os.MkdirAll(stateDir, 0o755); err != nil {
			return nil, fmt.Errorf("create state dir: %w", err)
		}
		if err := os.WriteFile(path, data, 0o600); err != nil {
			return nil, fmt.Errorf("write %s: %w", path, err)
		}
	}
	return out, nil
}

// cfnResponses receives custom resource responses: CloudFormation hands the
// function a presigned URL to PUT its result to; locally that URL is on the
// services endpoint.
type cfnResponses struct {
	mu      sync.Mutex
	waiting map[string]chan cfnResponse
}

type cfnResponse struct {
	Status             string         `json:"Status"`
	Reason             string         `json:"Reason"`
	PhysicalResourceID string         `json:"PhysicalResourceId"`
	Data               map[string]any `json:"Data"`
}

const cfnResponsePath = "/__cloudformation/responses/"

func (c *cfnResponses) expect(id string) chan cfnResponse {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.waiting == nil {
		c.waiting = map[string]chan cfnResponse{}
	}
	ch := make(chan cfnResponse, 1)
	c.waiting[id] = ch
	return ch
}

func (c *cfnResponses) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	id := strings.TrimPrefix(r.URL.Path, cfnResponsePath)
	c.mu.Lock()
	ch, ok := c.waiting[id]
	delete(c.waiting, id)
	c.mu.Unlock()
	if r.Method != http.MethodPut {
		http.Error(w, "custom resource responses are PUT", http.StatusMethodNotAllowed)
		return
	}
	var res cfnResponse
	body, _ := io.ReadAll(io.LimitReader(r.Body, 4096+1<<20))
	if err := json.Unmarshal(body, &res); err != nil {
		res = cfnResponse{Status: "FAILED", Reason: "unreadable response: " + err.Error()}
	}
	// A response nobody waits for (a sample event from `make invoke`) is
	// accepted like the presigned URL would accept it.
	if ok {
		ch <- res
	}
	w.WriteHeader(http.StatusOK)
}

type customResourceState struct {
	Hash       string         `json:"hash"`
	PhysicalID string         `json:"physicalId"`
	Properties map[string]any `json:"properties"`
}

// runCustomResources sends Create (new resource) or Update (changed
// properties) to each custom resource's function and waits for its answer, as
// a deployment does; a FAILED answer fails the start like a failed deploy.
func (s *Stack) runCustomResources(ctx context.Context) error {
	if len(s.Model.CustomResources) == 0 {
		return nil
	}
	path := filepath.Join(s.cfg.StateDir, "custom-resources.json")
	state := map[string]customResourceState{}
	if data, err := os.ReadFile(path); err == nil {
		_ = json.Unmarshal(data, &state)
	}
	for _, cr := range s.Model.CustomResources {
		if !s.selected(s.Model.Function(cr.Function)) {
			continue
		}
		props, _ := json.Marshal(cr.Properties)
		sum := sha256.Sum256(props)
		hash := hex.EncodeToString(sum[:])
		prev, known := state[cr.LogicalID]
		if known && prev.Hash == hash {
			continue
		}
		reqType := "Create"
		if known {
			reqType = "Update"
		}
		res, err := s.invokeCustomResource(ctx, cr, reqType, prev)
		if err != nil {
			return fmt.Errorf("custom resource %s: %w", cr.LogicalID, err)
		}
		if res.Status != "SUCCESS" {
			return fmt.Errorf("custom resource %s: %s failed: %s", cr.LogicalID, reqType, res.Reason)
		}
		s.logger.Info("custom resource "+strings.ToLower(reqType)+"d", "resource", cr.LogicalID, "function", cr.Function, "data", res.Data)
		state[cr.LogicalID] = customResourceState{Hash: hash, PhysicalID: res.PhysicalResourceID, Properties: cr.Properties}
	}
	data, _ := json.MarshalIndent(state, "", "  ")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

func (s *Stack) invokeCustomResource(ctx context.Context, cr *template.CustomResource, reqType string, prev customResourceState) (*cfnResponse, error) {
	var b [16]byte
	_, _ = rand.Read(b[:])
	reqID := hex.EncodeToString(b[:])
	ev := map[string]any{
		"RequestType":        reqType,
		"ResponseURL":        s.ServicesURL + cfnResponsePath + reqID,
		"StackId":            fmt.Sprintf("arn:aws:cloudformation:%s:%s:stack/%s/%s", s.cfg.Region, s.cfg.AccountID, s.cfg.StackName, reqID[:8]),
		"RequestId":          reqID,
		"ResourceType":       cr.Type,
		"LogicalResourceId":  cr.LogicalID,
		"ResourceProperties": cr.Properties,
	}
	if reqType != "Create" {
		ev["PhysicalResourceId"] = prev.PhysicalID
		ev["OldResourceProperties"] = prev.Properties
	}
	payload, err := json.Marshal(ev)
	if err != nil {
		return nil, err
	}
	wait := s.cfnResponses.expect(reqID)
	res, err := s.Invoke(ctx, cr.Function, payload)
	if err != nil {
		return nil, err
	}
	if res.FunctionError != "" {
		return nil, fmt.Errorf("function %s failed: %s", cr.Function, res.Payload)
	}
	fn := s.Model.Function(cr.Function)
	select {
	case r := <-wait:
		return &r, nil
	case <-time.After(fn.Timeout + 10*time.Second):
		return nil, errors.New("the function returned without sending a response to the ResponseURL")
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}
