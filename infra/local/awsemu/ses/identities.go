package ses

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
)

const (
	identityEmail        = "EMAIL_ADDRESS"
	identityDomain       = "DOMAIN"
	identitiesFile       = "identities.json"
	maxIdentities        = 10000
	defaultPageSize      = 100
	maxPageSize          = 1000
	verificationSuccess  = "SUCCESS"
	dkimKeyLength        = "RSA_2048_BIT"
	dkimOriginSES        = "AWS_SES"
	dkimNotStarted       = "NOT_STARTED"
	mailFromDefaultOnMxF = "USE_DEFAULT_VALUE"
)

var domainPattern = regexp.MustCompile(`^(?i)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)+$`)

// tag is an SES resource tag.
type tag struct {
	Key   string `json:"Key"`
	Value string `json:"Value"`
}

// identity is a verified sending identity: an address or a whole domain.
// Every identity is verified the moment it is created.
type identity struct {
	Name                 string    `json:"name"`
	Type                 string    `json:"type"`
	Order                uint64    `json:"order"`
	Created              time.Time `json:"created"`
	Tags                 []tag     `json:"tags,omitempty"`
	ConfigurationSetName string    `json:"configurationSet,omitempty"`
	DkimTokens           []string  `json:"dkimTokens,omitempty"`
}

type dkimAttributes struct {
	SigningEnabled             bool     `json:"SigningEnabled"`
	Status                     string   `json:"Status"`
	Tokens                     []string `json:"Tokens,omitempty"`
	SigningAttributesOrigin    string   `json:"SigningAttributesOrigin"`
	NextSigningKeyLength       string   `json:"NextSigningKeyLength,omitempty"`
	CurrentSigningKeyLength    string   `json:"CurrentSigningKeyLength,omitempty"`
	LastKeyGenerationTimestamp *int64   `json:"LastKeyGenerationTimestamp,omitempty"`
}

func (id *identity) dkim() dkimAttributes {
	if id.Type == identityEmail {
		return dkimAttributes{Status: dkimNotStarted, SigningAttributesOrigin: dkimOriginSES}
	}
	ts := id.Created.Unix()
	return dkimAttributes{
		SigningEnabled: true, Status: verificationSuccess, Tokens: id.DkimTokens,
		SigningAttributesOrigin: dkimOriginSES, NextSigningKeyLength: dkimKeyLength,
		CurrentSigningKeyLength: dkimKeyLength, LastKeyGenerationTimestamp: &ts,
	}
}

// identityKey normalises an identity name: SES treats addresses and domains
// case-insensitively.
func identityKey(name string) string { return strings.ToLower(strings.TrimSpace(name)) }

// classifyIdentity validates an identity name and reports its type.
func classifyIdentity(name string) (string, *apiError) {
	if strings.Contains(name, "@") {
		if _, err := parseAddress(name); err != nil || strings.ContainsAny(name, "<> ") {
			return "", badRequest("Invalid email address: %s.", name)
		}
		return identityEmail, nil
	}
	if !domainPattern.MatchString(name) || len(name) > 253 {
		return "", badRequest("Invalid domain name: %s.", name)
	}
	return identityDomain, nil
}

type createIdentityInput struct {
	EmailIdentity        *string `json:"EmailIdentity"`
	Tags                 []tag   `json:"Tags"`
	ConfigurationSetName *string `json:"ConfigurationSetName"`
}

type createIdentityOutput struct {
	IdentityType             string         `json:"IdentityType"`
	VerifiedForSendingStatus bool           `json:"VerifiedForSendingStatus"`
	DkimAttributes           dkimAttributes `json:"DkimAttributes"`
}

func (s *Server) createIdentity(in *createIdentityInput) (any, error) {
	if in.EmailIdentity == nil || strings.TrimSpace(*in.EmailIdentity) == "" {
		return nil, badRequest("EmailIdentity is required.")
	}
	name := strings.TrimSpace(*in.EmailIdentity)
	typ, err := classifyIdentity(name)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	key := identityKey(name)
	if _, ok := s.identities[key]; ok {
		return nil, errorf(codeAlreadyExists, http.StatusBadRequest, "Email identity %s already exists.", name)
	}
	if len(s.identities) >= maxIdentities {
		return nil, errorf(codeLimitExceeded, http.StatusBadRequest, "Maximum number of identities (%d) reached.", maxIdentities)
	}
	s.identSeq++
	id := &identity{Name: name, Type: typ, Order: s.identSeq, Created: s.now().UTC(), Tags: in.Tags}
	if in.ConfigurationSetName != nil {
		id.ConfigurationSetName = *in.ConfigurationSetName
	}
	if typ == identityDomain {
		for i := 0; i < 3; i++ {
			id.DkimTokens = append(id.DkimTokens, strings.ReplaceAll(newUUID(), "-", ""))
		}
	}
	s.identities[key] = id
	if err := s.saveIdentitiesLocked(); err != nil {
		delete(s.identities, key)
		return nil, fmt.Errorf("save identity %s: %w", name, err)
	}
	s.log.Info("ses identity created", "identity", name, "type", typ)
	return createIdentityOutput{IdentityType: typ, VerifiedForSendingStatus: true, DkimAttributes: id.dkim()}, nil
}

type mailFromAttributes struct {
	BehaviorOnMxFailure string `json:"BehaviorOnMxFailure"`
}

type getIdentityOutput struct {
	IdentityType             string             `json:"IdentityType"`
	FeedbackForwardingStatus bool               `json:"FeedbackForwardingStatus"`
	VerifiedForSendingStatus bool               `json:"VerifiedForSendingStatus"`
	VerificationStatus       string             `json:"VerificationStatus"`
	DkimAttributes           dkimAttributes     `json:"DkimAttributes"`
	MailFromAttributes       mailFromAttributes `json:"MailFromAttributes"`
	Policies                 map[string]string  `json:"Policies"`
	Tags                     []tag              `json:"Tags"`
	ConfigurationSetName     string             `json:"ConfigurationSetName,omitempty"`
}

func errIdentityNotFound(name string) *apiError {
	return errorf(codeNotFound, http.StatusNotFound, "Email identity %s does not exist.", name)
}

func (s *Server) getIdentity(name string) (any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	id, ok := s.identities[identityKey(name)]
	if !ok {
		return nil, errIdentityNotFound(name)
	}
	tags := id.Tags
	if tags == nil {
		tags = []tag{}
	}
	return getIdentityOutput{
		IdentityType: id.Type, FeedbackForwardingStatus: true, VerifiedForSendingStatus: true,
		VerificationStatus: verificationSuccess, DkimAttributes: id.dkim(),
		MailFromAttributes: mailFromAttributes{BehaviorOnMxFailure: mailFromDefaultOnMxF},
		Policies:           map[string]string{}, Tags: tags, ConfigurationSetName: id.ConfigurationSetName,
	}, nil
}

func (s *Server) deleteIdentity(name string) (any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	key := identityKey(name)
	id, ok := s.identities[key]
	if !ok {
		return nil, errIdentityNotFound(name)
	}
	delete(s.identities, key)
	if err := s.saveIdentitiesLocked(); err != nil {
		s.identities[key] = id
		return nil, fmt.Errorf("save after deleting identity %s: %w", name, err)
	}
	s.log.Info("ses identity deleted", "identity", name)
	return struct{}{}, nil
}

type listIdentitiesInput struct {
	NextToken *string `json:"NextToken"`
	PageSize  *int    `json:"PageSize"`
}

type identityInfo struct {
	IdentityType       string `json:"IdentityType"`
	IdentityName       string `json:"IdentityName"`
	SendingEnabled     bool   `json:"SendingEnabled"`
	VerificationStatus string `json:"VerificationStatus"`
}

type listIdentitiesOutput struct {
	EmailIdentities []identityInfo `json:"EmailIdentities"`
	NextToken       string         `json:"NextToken,omitempty"`
}

func (s *Server) listIdentities(in *listIdentitiesInput) (any, error) {
	size := defaultPageSize
	if in.PageSize != nil {
		if *in.PageSize < 1 || *in.PageSize > maxPageSize {
			return nil, badRequest("PageSize must be between 1 and %d.", maxPageSize)
		}
		size = *in.PageSize
	}
	var after uint64
	if in.NextToken != nil && *in.NextToken != "" {
		raw, err := base64.RawURLEncoding.DecodeString(*in.NextToken)
		n, perr := strconv.ParseUint(string(raw), 10, 64)
		if err != nil || perr != nil {
			return nil, badRequest("Invalid NextToken.")
		}
		after = n
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	out := listIdentitiesOutput{EmailIdentities: []identityInfo{}}
	var last uint64
	for _, id := range s.sortedIdentitiesLocked() {
		if id.Order <= after {
			continue
		}
		if len(out.EmailIdentities) == size {
			out.NextToken = base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatUint(last, 10)))
			break
		}
		out.EmailIdentities = append(out.EmailIdentities, identityInfo{
			IdentityType: id.Type, IdentityName: id.Name, SendingEnabled: true, VerificationStatus: verificationSuccess,
		})
		last = id.Order
	}
	return out, nil
}

func (s *Server) sortedIdentitiesLocked() []*identity {
	ids := make([]*identity, 0, len(s.identities))
	for _, id := range s.identities {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i].Order < ids[j].Order })
	return ids
}

// verifiedFor reports whether addr may be used as a sender: the address
// itself, its domain or a parent domain is an identity.
func (s *Server) verifiedFor(addr string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	addr = identityKey(addr)
	if _, ok := s.identities[addr]; ok {
		return true
	}
	at := strings.LastIndex(addr, "@")
	if at < 0 {
		return false
	}
	for domain := addr[at+1:]; domain != ""; {
		if id, ok := s.identities[domain]; ok && id.Type == identityDomain {
			return true
		}
		dot := strings.Index(domain, ".")
		if dot < 0 {
			break
		}
		domain = domain[dot+1:]
	}
	return false
}

func (s *Server) loadIdentities() error {
	raw, err := os.ReadFile(filepath.Join(s.cfg.Dir, identitiesFile))
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("read %s: %w", identitiesFile, err)
	}
	var ids []*identity
	if err := json.Unmarshal(raw, &ids); err != nil {
		return fmt.Errorf("decode %s: %w", identitiesFile, err)
	}
	for _, id := range ids {
		s.identities[identityKey(id.Name)] = id
		if id.Order > s.identSeq {
			s.identSeq = id.Order
		}
	}
	return nil
}

func (s *Server) saveIdentitiesLocked() error {
	if s.cfg.Dir == "" {
		return nil
	}
	raw, err := json.MarshalIndent(s.sortedIdentitiesLocked(), "", "  ")
	if err != nil {
		return fmt.Errorf("encode identities: %w", err)
	}
	return writeFileAtomic(filepath.Join(s.cfg.Dir, identitiesFile), raw)
}

type sendQuota struct {
	Max24HourSend   float64 `json:"Max24HourSend"`
	MaxSendRate     float64 `json:"MaxSendRate"`
	SentLast24Hours float64 `json:"SentLast24Hours"`
}

type accountOutput struct {
	SendingEnabled               bool      `json:"SendingEnabled"`
	ProductionAccessEnabled      bool      `json:"ProductionAccessEnabled"`
	DedicatedIpAutoWarmupEnabled bool      `json:"DedicatedIpAutoWarmupEnabled"`
	EnforcementStatus            string    `json:"EnforcementStatus"`
	SendQuota                    sendQuota `json:"SendQuota"`
}

// Sandbox quotas of a new SES account.
const (
	sandboxMax24HourSend = 200
	sandboxMaxSendRate   = 1
)

// getAccount reports a sandbox account. SentLast24Hours counts the
// recipients of mails this Server instance accepted in the last 24 hours.
func (s *Server) getAccount() accountOutput {
	s.mu.Lock()
	defer s.mu.Unlock()
	since := s.now().Add(-24 * time.Hour)
	sent := 0
	for _, m := range s.sent {
		if m.Time.After(since) {
			sent += len(m.To) + len(m.Cc) + len(m.Bcc)
		}
	}
	return accountOutput{
		SendingEnabled: true, EnforcementStatus: "HEALTHY",
		SendQuota: sendQuota{Max24HourSend: sandboxMax24HourSend, MaxSendRate: sandboxMaxSendRate, SentLast24Hours: float64(sent)},
	}
}
