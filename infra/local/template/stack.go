package template

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// Stack is the resolved application: what the local stack provisions and runs.
type Stack struct {
	Name      string
	Region    string
	AccountID string

	Functions []*Function
	HTTPAPIs  []*HTTPAPI
	Tables    []*Table
	Buckets   []*Bucket
	Queues    []*Queue
	Topics    []*Topic
	// Subscriptions are the topics' subscriptions (AWS::SNS::Subscription).
	Subscriptions  []*Subscription
	MailIdentities []string
	UserPools      []*UserPool
	// CustomResources are invoked through their function on deploy.
	CustomResources []*CustomResource
	// Ignored lists the resources that have no local counterpart (alarms,
	// log groups, policies, queue policies), as "LogicalId (Type)".
	Ignored []string
}

// CustomResource is a CloudFormation custom resource backed by a function of
// the template.
type CustomResource struct {
	LogicalID string
	Type      string
	// Function is the logical ID of the function its ServiceToken names.
	Function   string
	Properties map[string]any
}

// Function is a Lambda function with Globals merged and intrinsics resolved.
type Function struct {
	LogicalID string
	Name      string
	ARN       string
	// CodeURI is the function's CodeUri (Globals merged), a path relative to
	// the template's directory ("." when the whole project is built).
	CodeURI string
	// Package is the directory of the Go main package that builds the
	// function's bootstrap, relative to the project root: Env.Packages'
	// entry for the function when there is one, else CodeURI when it names
	// a directory below the root (SAM's go1.x build compiles the package
	// there); "" when neither says (CodeUri "." with a makefile build).
	Package       string
	Runtime       string
	Handler       string
	Architectures []string
	MemoryMB      int
	Timeout       time.Duration
	// ReservedConcurrency is ReservedConcurrentExecutions; nil when unreserved.
	ReservedConcurrency *int
	Env                 map[string]string
	LogFormat           string
	AppLogLevel         string
	SystemLogLevel      string
	BuildMethod         string

	HTTPEvents     []HTTPEvent
	SQSEvents      []SQSEvent
	ScheduleEvents []ScheduleEvent
}

// HTTPEvent is a function's HttpApi event: one route.
type HTTPEvent struct {
	Name       string
	API        string // logical ID of the HttpApi
	Method     string // upper case, or ANY
	Path       string // "/v1/claims/{id}" or "$default"
	Authorizer string // "" when the route has no authorizer
	Scopes     []string
	Timeout    time.Duration
}

// SQSEvent is a function's SQS event source mapping.
type SQSEvent struct {
	Name                    string
	Queue                   string // logical ID of the queue
	BatchSize               int
	BatchingWindow          time.Duration
	ReportBatchItemFailures bool
	MaximumConcurrency      int
	Enabled                 bool
	FilterPatterns          []string
}

// ScheduleEvent is a function's Schedule (EventBridge rule) or ScheduleV2
// (EventBridge Scheduler) event.
type ScheduleEvent struct {
	Name       string
	Type       string // "Schedule" or "ScheduleV2"
	Expression string
	Timezone   string
	Input      string
	HasInput   bool
	Enabled    bool
	RuleName   string
}

// HTTPAPI is an AWS::Serverless::HttpApi (or the implicit ServerlessHttpApi).
type HTTPAPI struct {
	LogicalID         string
	ID                string
	DefaultAuthorizer string
	Authorizers       map[string]JWTAuthorizer
	CORS              *CORS
	ThrottleBurst     int
	ThrottleRate      float64
}

// JWTAuthorizer is a JWT authorizer of an HTTP API.
type JWTAuthorizer struct {
	IdentitySource string
	Issuer         string
	Audience       []string
}

// CORS is an HTTP API's CorsConfiguration.
type CORS struct {
	AllowOrigins, AllowMethods, AllowHeaders, ExposeHeaders []string
	MaxAge                                                  int
	AllowCredentials                                        bool
}

// Table is a DynamoDB table definition.
type Table struct {
	LogicalID            string
	Name                 string
	ARN                  string
	AttributeDefinitions []AttributeDefinition
	KeySchema            []KeyElement
	GlobalIndexes        []Index
	LocalIndexes         []Index
	TTLAttribute         string
	PointInTimeRecovery  bool
	BillingMode          string
}

// AttributeDefinition declares a key attribute's type (S, N or B).
type AttributeDefinition struct{ Name, Type string }

// KeyElement is one element of a key schema (HASH or RANGE).
type KeyElement struct{ Name, KeyType string }

// Index is a secondary index.
type Index struct {
	Name             string
	KeySchema        []KeyElement
	ProjectionType   string
	NonKeyAttributes []string
}

// Bucket is an S3 bucket definition.
type Bucket struct {
	LogicalID  string
	Name       string
	CORSRules  []BucketCORSRule
	Versioning bool
}

// BucketCORSRule is one rule of a bucket's CorsConfiguration.
type BucketCORSRule struct {
	AllowedMethods, AllowedOrigins, AllowedHeaders, ExposedHeaders []string
	MaxAge                                                         int
}

// Queue is an SQS queue definition with its attributes in SQS API form.
type Queue struct {
	LogicalID  string
	Name       string
	ARN        string
	Attributes map[string]string
}

// Topic is an SNS topic with its attributes in SNS API form.
type Topic struct {
	LogicalID  string
	Name       string
	ARN        string
	Attributes map[string]string
}

// Subscription is a topic's subscription: Protocol "sqs" (Endpoint a queue
// ARN) or another SNS protocol such as "email"; Attributes in SNS API form
// (RawMessageDelivery "true"/"false", FilterPolicy as a JSON string,
// FilterPolicyScope).
type Subscription struct {
	LogicalID  string
	TopicARN   string
	Protocol   string
	Endpoint   string
	Attributes map[string]string
}

// UserPool is a Cognito user pool with the clients that belong to it.
type UserPool struct {
	LogicalID string
	ID        string
	Issuer    string
	Clients   []string
	Groups    []string
	// CustomAttributes are the custom attributes its Schema declares, with
	// their "custom:" prefix, as tokens carry them.
	CustomAttributes []string
	// ReadAttributes are, per client, the attributes its ReadAttributes
	// list lets tokens carry; a client without the list reads them all.
	ReadAttributes map[string][]string
	// AppClients are the clients with their settings, in the order of
	// Clients.
	AppClients []*AppClient
	// Domain is the prefix of its hosted sign-in domain (an
	// AWS::Cognito::UserPoolDomain), "" when it has none.
	Domain string
}

// AppClient is a user pool app client with what its hosted sign-in (the
// OAuth 2.0 endpoints of the pool's domain) needs to know of it.
type AppClient struct {
	LogicalID string
	ID        string
	// Secret is GenerateSecret: a confidential client.
	Secret bool
	// OAuth is AllowedOAuthFlowsUserPoolClient: the hosted sign-in serves it.
	OAuth bool
	// Flows and Scopes are AllowedOAuthFlows and AllowedOAuthScopes.
	Flows  []string
	Scopes []string
	// IdentityProviders are SupportedIdentityProviders.
	IdentityProviders []string
	// CallbackURLs and LogoutURLs are where the sign-in and sign-out may
	// send the browser back.
	CallbackURLs []string
	LogoutURLs   []string
	// Token lifetimes (Cognito's defaults: an hour, an hour, 30 days).
	IDTokenValidity      time.Duration
	AccessTokenValidity  time.Duration
	RefreshTokenValidity time.Duration
	// TokenRevocation is EnableTokenRevocation (default true).
	TokenRevocation bool
	// ReadAttributes is nil when the client reads every attribute.
	ReadAttributes []string
}

// appClient resolves an AWS::Cognito::UserPoolClient.
func (r *resolver) appClient(id, clientID string, props map[string]any) (*AppClient, error) {
	c := &AppClient{LogicalID: id, ID: clientID, TokenRevocation: true,
		IDTokenValidity: time.Hour, AccessTokenValidity: time.Hour, RefreshTokenValidity: 30 * 24 * time.Hour}
	flag := func(name string, dst *bool) error {
		v, ok := props[name]
		if !ok {
			return nil
		}
		s, err := r.stringValue(v)
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		if s != "" {
			b, err := strconv.ParseBool(s)
			if err != nil {
				return fmt.Errorf("%s: %q is not a boolean", name, s)
			}
			*dst = b
		}
		return nil
	}
	list := func(name string, dst *[]string) error {
		v, ok := props[name]
		if !ok {
			return nil
		}
		l, err := r.stringList(v)
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		*dst = l
		return nil
	}
	for name, dst := range map[string]*bool{"GenerateSecret": &c.Secret, "AllowedOAuthFlowsUserPoolClient": &c.OAuth, "EnableTokenRevocation": &c.TokenRevocation} {
		if err := flag(name, dst); err != nil {
			return nil, err
		}
	}
	for name, dst := range map[string]*[]string{"AllowedOAuthFlows": &c.Flows, "AllowedOAuthScopes": &c.Scopes, "SupportedIdentityProviders": &c.IdentityProviders,
		"CallbackURLs": &c.CallbackURLs, "LogoutURLs": &c.LogoutURLs, "ReadAttributes": &c.ReadAttributes} {
		if err := list(name, dst); err != nil {
			return nil, err
		}
	}
	units, err := r.value(props["TokenValidityUnits"])
	if err != nil {
		return nil, fmt.Errorf("TokenValidityUnits: %w", err)
	}
	for _, v := range []struct {
		prop, unit, def string
		dst             *time.Duration
	}{
		{"IdTokenValidity", "IdToken", "hours", &c.IDTokenValidity},
		{"AccessTokenValidity", "AccessToken", "hours", &c.AccessTokenValidity},
		{"RefreshTokenValidity", "RefreshToken", "days", &c.RefreshTokenValidity},
	} {
		raw, ok := props[v.prop]
		if !ok {
			continue
		}
		s, err := r.stringValue(raw)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", v.prop, err)
		}
		n, err := strconv.Atoi(s)
		if err != nil || n <= 0 {
			return nil, fmt.Errorf("%s: %q is not a positive count", v.prop, s)
		}
		unit := scalarString(asMap(units)[v.unit])
		if unit == "" {
			unit = v.def
		}
		per := map[string]time.Duration{"seconds": time.Second, "minutes": time.Minute, "hours": time.Hour, "days": 24 * time.Hour}[unit]
		if per == 0 {
			return nil, fmt.Errorf("TokenValidityUnits.%s: %q is not seconds, minutes, hours or days", v.unit, unit)
		}
		*v.dst = time.Duration(n) * per
	}
	return c, nil
}

// standardAttributes are Cognito's standard user attributes: a Schema
// entry of another name declares a custom attribute.
var standardAttributes = map[string]bool{
	"address": true, "birthdate": true, "email": true, "email_verified": true, "family_name": true, "gender": true,
	"given_name": true, "locale": true, "middle_name": true, "name": true, "nickname": true, "phone_number": true,
	"phone_number_verified": true, "picture": true, "preferred_username": true, "profile": true, "sub": true,
	"updated_at": true, "website": true, "zoneinfo": true,
}

// userPool resolves an AWS::Cognito::UserPool.
func (r *resolver) userPool(id string, props map[string]any) (*UserPool, error) {
	name, err := r.physicalName(id)
	if err != nil {
		return nil, err
	}
	p := &UserPool{
		LogicalID: id,
		ID:        name,
		Issuer:    fmt.Sprintf("https://cognito-idp.%s.amazonaws.com/%s", r.env.Region, name),
	}
	schema, err := r.value(props["Schema"])
	if err != nil {
		return nil, fmt.Errorf("Schema: %w", err)
	}
	for _, a := range asList(schema) {
		attr := scalarString(asMap(a)["Name"])
		if attr != "" && !standardAttributes[attr] {
			p.CustomAttributes = append(p.CustomAttributes, "custom:"+attr)
		}
	}
	return p, nil
}

// Build resolves the template against env. dir is the project root, used to check
// that every function's package exists ("" skips the check).
func Build(t *Template, env Env, dir string) (*Stack, error) {
	r, err := newResolver(t, env)
	if err != nil {
		return nil, err
	}
	s := &Stack{Name: env.StackName, Region: env.Region, AccountID: env.AccountID}
	ids := sortedKeys(t.Resources)
	included := map[string]bool{}
	for _, id := range ids {
		res := t.Resources[id]
		if res.Condition != "" {
			ok, err := r.condition(res.Condition)
			if err != nil {
				return nil, fmt.Errorf("resource %s: %w", id, err)
			}
			if !ok {
				continue
			}
		}
		included[id] = true
	}
	for _, id := range ids {
		if !included[id] {
			continue
		}
		res := t.Resources[id]
		var err error
		switch res.Type {
		case "AWS::Serverless::Function":
			var fn *Function
			fn, err = r.function(id, res, dir)
			if fn != nil {
				s.Functions = append(s.Functions, fn)
			}
		case "AWS::Serverless::HttpApi":
			var api *HTTPAPI
			api, err = r.httpAPI(id, res.Properties)
			if api != nil {
				s.HTTPAPIs = append(s.HTTPAPIs, api)
			}
		case "AWS::DynamoDB::Table":
			var tbl *Table
			tbl, err = r.table(id, res.Properties)
			if tbl != nil {
				s.Tables = append(s.Tables, tbl)
			}
		case "AWS::S3::Bucket":
			var b *Bucket
			b, err = r.bucket(id, res.Properties)
			if b != nil {
				s.Buckets = append(s.Buckets, b)
			}
		case "AWS::SQS::Queue":
			var q *Queue
			q, err = r.queue(id, res.Properties)
			if q != nil {
				s.Queues = append(s.Queues, q)
			}
		case "AWS::SNS::Topic":
			var tp *Topic
			var subs []*Subscription
			tp, subs, err = r.topic(id, res.Properties)
			if tp != nil {
				s.Topics = append(s.Topics, tp)
				s.Subscriptions = append(s.Subscriptions, subs...)
			}
		case "AWS::SNS::Subscription":
			var sub *Subscription
			sub, err = r.subscription(id, res.Properties)
			if sub != nil {
				s.Subscriptions = append(s.Subscriptions, sub)
			}
		case "AWS::SES::EmailIdentity":
			var name string
			name, err = r.physicalName(id)
			s.MailIdentities = append(s.MailIdentities, name)
		case "AWS::Cognito::UserPool":
			var p *UserPool
			p, err = r.userPool(id, res.Properties)
			if p != nil {
				s.UserPools = append(s.UserPools, p)
			}
		case "AWS::Cognito::UserPoolClient", "AWS::Cognito::UserPoolGroup", "AWS::Cognito::UserPoolDomain":
			// Attached to their pool below.
		case "AWS::CloudFormation::CustomResource":
			var cr *CustomResource
			cr, err = r.customResource(id, res)
			if cr != nil {
				s.CustomResources = append(s.CustomResources, cr)
			}
		default:
			if strings.HasPrefix(res.Type, "Custom::") {
				var cr *CustomResource
				cr, err = r.customResource(id, res)
				if cr != nil {
					s.CustomResources = append(s.CustomResources, cr)
				}
				break
			}
			s.Ignored = append(s.Ignored, fmt.Sprintf("%s (%s)", id, res.Type))
		}
		if err != nil {
			return nil, fmt.Errorf("resource %s: %w", id, err)
		}
	}
	for _, id := range ids {
		res := t.Resources[id]
		if !included[id] || (res.Type != "AWS::Cognito::UserPoolClient" && res.Type != "AWS::Cognito::UserPoolGroup" && res.Type != "AWS::Cognito::UserPoolDomain") {
			continue
		}
		poolID, err := r.stringValue(res.Properties["UserPoolId"])
		if err != nil {
			return nil, fmt.Errorf("resource %s: UserPoolId: %w", id, err)
		}
		name, err := r.physicalName(id)
		if err != nil {
			return nil, err
		}
		for _, p := range s.UserPools {
			if p.ID != poolID {
				continue
			}
			switch res.Type {
			case "AWS::Cognito::UserPoolDomain":
				p.Domain = name
			case "AWS::Cognito::UserPoolClient":
				c, err := r.appClient(id, name, res.Properties)
				if err != nil {
					return nil, fmt.Errorf("resource %s: %w", id, err)
				}
				p.AppClients = append(p.AppClients, c)
				p.Clients = append(p.Clients, name)
				if v, ok := res.Properties["ReadAttributes"]; ok {
					attrs, err := r.stringList(v)
					if err != nil {
						return nil, fmt.Errorf("resource %s: ReadAttributes: %w", id, err)
					}
					if p.ReadAttributes == nil {
						p.ReadAttributes = map[string][]string{}
					}
					p.ReadAttributes[name] = attrs
				}
			default:
				p.Groups = append(p.Groups, name)
			}
		}
	}
	if err := s.addImplicitAPI(t, r); err != nil {
		return nil, err
	}
	return s, nil
}

// addImplicitAPI creates SAM's implicit ServerlessHttpApi when an HttpApi event
// names no ApiId.
func (s *Stack) addImplicitAPI(t *Template, r *resolver) error {
	for _, fn := range s.Functions {
		for _, ev := range fn.HTTPEvents {
			if ev.API != implicitAPI {
				continue
			}
			for _, a := range s.HTTPAPIs {
				if a.LogicalID == implicitAPI {
					return nil
				}
			}
			api, err := r.httpAPI(implicitAPI, asMap(t.Globals["HttpApi"]))
			if err != nil {
				return fmt.Errorf("implicit HTTP API: %w", err)
			}
			api.ID = shortID(s.Name+"/"+implicitAPI, 10, alnumLower)
			s.HTTPAPIs = append(s.HTTPAPIs, api)
			return nil
		}
	}
	return nil
}

const implicitAPI = "ServerlessHttpApi"

// Function returns the function with the given logical ID or physical name.
func (s *Stack) Function(name string) *Function {
	for _, fn := range s.Functions {
		if fn.LogicalID == name || fn.Name == name || fn.ARN == name {
			return fn
		}
	}
	return nil
}

// Queue returns the queue with the given logical ID.
func (s *Stack) Queue(logicalID string) *Queue {
	for _, q := range s.Queues {
		if q.LogicalID == logicalID {
			return q
		}
	}
	return nil
}

// Topic returns the topic with the given logical ID.
func (s *Stack) Topic(logicalID string) *Topic {
	for _, t := range s.Topics {
		if t.LogicalID == logicalID {
			return t
		}
	}
	return nil
}

// mergeGlobals overlays the function's properties on the Globals: nested maps
// merge, everything else is replaced.
func mergeGlobals(global, own map[string]any) map[string]any {
	out := make(map[string]any, len(global)+len(own))
	for k, v := range global {
		out[k] = v
	}
	for k, v := range own {
		gm, gok := out[k].(map[string]any)
		om, ook := v.(map[string]any)
		if gok && ook && !isIntrinsic(om) {
			out[k] = mergeGlobals(gm, om)
			continue
		}
		out[k] = v
	}
	return out
}

func isIntrinsic(m map[string]any) bool {
	if len(m) != 1 {
		return false
	}
	for k := range m {
		return k == "Ref" || strings.HasPrefix(k, "Fn::")
	}
	return false
}

// packageOf returns the Go package directory that builds a function: the
// one env names for it, else its CodeUri when that is a directory below the
// project root, else "".
func packageOf(id, codeURI string, packages map[string]string) (string, error) {
	if p, ok := packages[id]; ok {
		clean := filepath.ToSlash(filepath.Clean(p))
		if clean == "." || filepath.IsAbs(p) || strings.HasPrefix(clean, "../") {
			return "", fmt.Errorf("package %q of %s is not a directory below the project root", p, id)
		}
		return clean, nil
	}
	if codeURI == "" || strings.Contains(codeURI, "://") {
		return "", nil
	}
	clean := filepath.ToSlash(filepath.Clean(codeURI))
	if clean == "." || filepath.IsAbs(codeURI) || strings.HasPrefix(clean, "../") {
		return "", nil
	}
	return clean, nil
}

func (r *resolver) function(id string, res Resource, dir string) (*Function, error) {
	props := mergeGlobals(asMap(r.t.Globals["Function"]), res.Properties)
	name, err := r.physicalName(id)
	if err != nil {
		return nil, err
	}
	fn := &Function{
		LogicalID:      id,
		Name:           name,
		ARN:            r.arn("lambda", "function:"+name),
		MemoryMB:       128,
		Timeout:        3 * time.Second,
		Env:            map[string]string{},
		LogFormat:      "Text",
		AppLogLevel:    "INFO",
		SystemLogLevel: "INFO",
	}
	str := func(key string) (string, error) {
		v, ok := props[key]
		if !ok {
			return "", nil
		}
		return r.stringValue(v)
	}
	if v, ok := props["CodeUri"]; ok {
		// A string, or an S3 location (a map) that names no local directory.
		resolved, err := r.value(v)
		if err != nil {
			return nil, fmt.Errorf("CodeUri: %w", err)
		}
		fn.CodeURI, _ = resolved.(string)
	}
	if fn.Package, err = packageOf(id, fn.CodeURI, r.env.Packages); err != nil {
		return nil, err
	}
	if dir != "" && fn.Package != "" {
		if st, err := os.Stat(filepath.Join(dir, fn.Package)); err != nil || !st.IsDir() {
			return nil, fmt.Errorf("the Go package of %s, ./%s, does not exist", id, fn.Package)
		}
	}
	if fn.Runtime, err = str("Runtime"); err != nil {
		return nil, err
	}
	if fn.Handler, err = str("Handler"); err != nil {
		return nil, err
	}
	if fn.Architectures, err = r.stringList(props["Architectures"]); err != nil {
		return nil, err
	}
	if fn.BuildMethod, err = r.stringValue(res.Metadata["BuildMethod"]); err != nil {
		return nil, err
	}
	if v, err := str("MemorySize"); err != nil {
		return nil, err
	} else if v != "" {
		if fn.MemoryMB, err = strconv.Atoi(v); err != nil {
			return nil, fmt.Errorf("MemorySize %q: %w", v, err)
		}
	}
	if v, err := str("Timeout"); err != nil {
		return nil, err
	} else if v != "" {
		secs, err := strconv.Atoi(v)
		if err != nil || secs < 1 || secs > 900 {
			return nil, fmt.Errorf("Timeout %q is not 1..900 seconds", v)
		}
		fn.Timeout = time.Duration(secs) * time.Second
	}
	if v, err := str("ReservedConcurrentExecutions"); err != nil {
		return nil, err
	} else if v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return nil, fmt.Errorf("ReservedConcurrentExecutions %q is not a count", v)
		}
		fn.ReservedConcurrency = &n
	}
	if lc, ok := props["LoggingConfig"]; ok {
		m, err := r.value(lc)
		if err != nil {
			return nil, fmt.Errorf("LoggingConfig: %w", err)
		}
		lm := asMap(m)
		if v := scalarString(lm["LogFormat"]); v != "" {
			fn.LogFormat = v
		}
		if v := scalarString(lm["ApplicationLogLevel"]); v != "" {
			fn.AppLogLevel = v
		}
		if v := scalarString(lm["SystemLogLevel"]); v != "" {
			fn.SystemLogLevel = v
		}
	}
	vars, err := r.value(asMap(asMap(props["Environment"])["Variables"]))
	if err != nil {
		return nil, fmt.Errorf("Environment: %w", err)
	}
	for k, v := range asMap(vars) {
		fn.Env[k] = scalarString(v)
	}
	events := asMap(res.Properties["Events"])
	for _, evName := range sortedKeys(events) {
		ev := asMap(events[evName])
		typ, _ := ev["Type"].(string)
		p := asMap(ev["Properties"])
		switch typ {
		case "HttpApi":
			h, err := r.httpEvent(evName, p)
			if err != nil {
				return nil, fmt.Errorf("event %s: %w", evName, err)
			}
			fn.HTTPEvents = append(fn.HTTPEvents, h)
		case "SQS":
			q, err := r.sqsEvent(evName, p)
			if err != nil {
				return nil, fmt.Errorf("event %s: %w", evName, err)
			}
			fn.SQSEvents = append(fn.SQSEvents, q)
		case "Schedule", "ScheduleV2":
			sc, err := r.scheduleEvent(fn, evName, typ, p)
			if err != nil {
				return nil, fmt.Errorf("event %s: %w", evName, err)
			}
			fn.ScheduleEvents = append(fn.ScheduleEvents, sc)
		default:
			return nil, fmt.Errorf("event %s: type %q is not supported by the local stack", evName, typ)
		}
	}
	return fn, nil
}

func (r *resolver) httpEvent(name string, p map[string]any) (HTTPEvent, error) {
	ev := HTTPEvent{Name: name, API: implicitAPI, Method: "ANY", Path: "$default", Timeout: 30 * time.Second}
	if v, ok := p["ApiId"]; ok {
		// ApiId is !Ref Api; keep the logical ID rather than the physical one.
		if m, ok := v.(map[string]any); ok {
			if ref, ok := m["Ref"].(string); ok {
				ev.API = ref
			}
		}
		if ev.API == implicitAPI {
			return ev, fmt.Errorf("ApiId must be !Ref of an AWS::Serverless::HttpApi")
		}
	}
	if v, ok := p["Path"]; ok {
		s, err := r.stringValue(v)
		if err != nil {
			return ev, err
		}
		ev.Path = s
	}
	if v, ok := p["Method"]; ok {
		s, err := r.stringValue(v)
		if err != nil {
			return ev, err
		}
		ev.Method = strings.ToUpper(s)
		if ev.Method == "X-AMAZON-APIGATEWAY-ANY-METHOD" || ev.Method == "*" {
			ev.Method = "ANY"
		}
	}
	if v, ok := p["TimeoutInMillis"]; ok {
		s, err := r.stringValue(v)
		if err != nil {
			return ev, err
		}
		ms, err := strconv.Atoi(s)
		if err != nil || ms < 50 || ms > 30000 {
			return ev, fmt.Errorf("TimeoutInMillis %q is not 50..30000", s)
		}
		ev.Timeout = time.Duration(ms) * time.Millisecond
	}
	// The authorizer: the event's Auth.Authorizer, else the API's default (applied later).
	ev.Authorizer = "$default"
	if auth, ok := p["Auth"]; ok {
		am, err := r.value(auth)
		if err != nil {
			return ev, err
		}
		a := asMap(am)
		if v, ok := a["Authorizer"]; ok {
			ev.Authorizer = scalarString(v)
			if ev.Authorizer == "NONE" {
				ev.Authorizer = ""
			}
		}
		for _, s := range asList(a["AuthorizationScopes"]) {
			ev.Scopes = append(ev.Scopes, scalarString(s))
		}
	}
	return ev, nil
}

func (r *resolver) sqsEvent(name string, p map[string]any) (SQSEvent, error) {
	ev := SQSEvent{Name: name, BatchSize: 10, Enabled: true}
	arn, err := r.stringValue(p["Queue"])
	if err != nil {
		return ev, fmt.Errorf("Queue: %w", err)
	}
	for id, res := range r.t.Resources {
		if res.Type != "AWS::SQS::Queue" {
			continue
		}
		qa, err := r.attr(id, "Arn")
		if err == nil && qa == arn {
			ev.Queue = id
		}
	}
	if ev.Queue == "" {
		return ev, fmt.Errorf("Queue %q is not a queue of this template", arn)
	}
	intProp := func(key string, dst *int) error {
		v, ok := p[key]
		if !ok {
			return nil
		}
		s, err := r.stringValue(v)
		if err != nil {
			return err
		}
		n, err := strconv.Atoi(s)
		if err != nil {
			return fmt.Errorf("%s %q: %w", key, s, err)
		}
		*dst = n
		return nil
	}
	if err := intProp("BatchSize", &ev.BatchSize); err != nil {
		return ev, err
	}
	var window int
	if err := intProp("MaximumBatchingWindowInSeconds", &window); err != nil {
		return ev, err
	}
	ev.BatchingWindow = time.Duration(window) * time.Second
	if ev.BatchSize < 1 || ev.BatchSize > 10000 || (ev.BatchSize > 10 && window == 0) {
		return ev, fmt.Errorf("BatchSize %d: 1..10, or up to 10000 with a batching window", ev.BatchSize)
	}
	if v, ok := p["Enabled"]; ok {
		s, err := r.stringValue(v)
		if err != nil {
			return ev, err
		}
		ev.Enabled = s != "false"
	}
	types, err := r.stringList(p["FunctionResponseTypes"])
	if err != nil {
		return ev, err
	}
	for _, t := range types {
		if t == "ReportBatchItemFailures" {
			ev.ReportBatchItemFailures = true
		}
	}
	if sc, ok := p["ScalingConfig"]; ok {
		m, err := r.value(sc)
		if err != nil {
			return ev, err
		}
		if v := scalarString(asMap(m)["MaximumConcurrency"]); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < 2 || n > 1000 {
				return ev, fmt.Errorf("ScalingConfig.MaximumConcurrency %q is not 2..1000", v)
			}
			ev.MaximumConcurrency = n
		}
	}
	if fc, ok := p["FilterCriteria"]; ok {
		m, err := r.value(fc)
		if err != nil {
			return ev, err
		}
		for _, f := range asList(asMap(m)["Filters"]) {
			ev.FilterPatterns = append(ev.FilterPatterns, scalarString(asMap(f)["Pattern"]))
		}
	}
	return ev, nil
}

func (r *resolver) scheduleEvent(fn *Function, name, typ string, p map[string]any) (ScheduleEvent, error) {
	ev := ScheduleEvent{Name: name, Type: typ, Enabled: true, RuleName: fn.Name + "-" + name}
	key := "Schedule"
	if typ == "ScheduleV2" {
		key = "ScheduleExpression"
	}
	expr, err := r.stringValue(p[key])
	if err != nil {
		return ev, fmt.Errorf("%s: %w", key, err)
	}
	if expr == "" {
		return ev, fmt.Errorf("%s is required", key)
	}
	ev.Expression = expr
	if v, ok := p["ScheduleExpressionTimezone"]; ok {
		if ev.Timezone, err = r.stringValue(v); err != nil {
			return ev, err
		}
		if typ != "ScheduleV2" {
			return ev, fmt.Errorf("ScheduleExpressionTimezone is only valid on ScheduleV2")
		}
	}
	if v, ok := p["Input"]; ok {
		if ev.Input, err = r.stringValue(v); err != nil {
			return ev, err
		}
		ev.HasInput = true
		if typ == "Schedule" && !json.Valid([]byte(ev.Input)) {
			return ev, fmt.Errorf("Input must be valid JSON for a Schedule event")
		}
	}
	if v, ok := p["Name"]; ok {
		if ev.RuleName, err = r.stringValue(v); err != nil {
			return ev, err
		}
	}
	if v, ok := p["Enabled"]; ok {
		s, err := r.stringValue(v)
		if err != nil {
			return ev, err
		}
		ev.Enabled = s != "false"
	}
	if v, ok := p["State"]; ok {
		s, err := r.stringValue(v)
		if err != nil {
			return ev, err
		}
		ev.Enabled = s != "DISABLED"
	}
	return ev, nil
}

func (r *resolver) httpAPI(id string, props map[string]any) (*HTTPAPI, error) {
	api := &HTTPAPI{LogicalID: id, Authorizers: map[string]JWTAuthorizer{}}
	if id != implicitAPI {
		name, err := r.physicalName(id)
		if err != nil {
			return nil, err
		}
		api.ID = name
	}
	authV, err := r.value(props["Auth"])
	if err != nil {
		return nil, fmt.Errorf("Auth: %w", err)
	}
	auth := asMap(authV)
	api.DefaultAuthorizer = scalarString(auth["DefaultAuthorizer"])
	for name, a := range asMap(auth["Authorizers"]) {
		am := asMap(a)
		jwt := asMap(am["JwtConfiguration"])
		if len(jwt) == 0 {
			return nil, fmt.Errorf("authorizer %s: only JWT authorizers are supported locally", name)
		}
		ja := JWTAuthorizer{
			IdentitySource: scalarString(am["IdentitySource"]),
			Issuer:         scalarString(jwt["issuer"]),
		}
		if ja.IdentitySource == "" {
			ja.IdentitySource = "$request.header.Authorization"
		}
		for _, a := range asList(jwt["audience"]) {
			ja.Audience = append(ja.Audience, scalarString(a))
		}
		if ja.Issuer == "" || len(ja.Audience) == 0 {
			return nil, fmt.Errorf("authorizer %s: JwtConfiguration needs issuer and audience", name)
		}
		api.Authorizers[name] = ja
	}
	if api.DefaultAuthorizer != "" {
		if _, ok := api.Authorizers[api.DefaultAuthorizer]; !ok {
			return nil, fmt.Errorf("DefaultAuthorizer %s is not among the Authorizers", api.DefaultAuthorizer)
		}
	}
	if c, ok := props["CorsConfiguration"]; ok {
		cv, err := r.value(c)
		if err != nil {
			return nil, fmt.Errorf("CorsConfiguration: %w", err)
		}
		if b, ok := cv.(bool); ok {
			if b {
				api.CORS = &CORS{AllowOrigins: []string{"*"}, AllowMethods: []string{"*"}, AllowHeaders: []string{"*"}}
			}
		} else {
			cm := asMap(cv)
			strs := func(k string) []string {
				var out []string
				for _, e := range asList(cm[k]) {
					out = append(out, scalarString(e))
				}
				return out
			}
			api.CORS = &CORS{
				AllowOrigins:  strs("AllowOrigins"),
				AllowMethods:  strs("AllowMethods"),
				AllowHeaders:  strs("AllowHeaders"),
				ExposeHeaders: strs("ExposeHeaders"),
			}
			api.CORS.MaxAge, _ = strconv.Atoi(scalarString(cm["MaxAge"]))
			api.CORS.AllowCredentials = scalarString(cm["AllowCredentials"]) == "true"
		}
	}
	if d, ok := props["DefaultRouteSettings"]; ok {
		dv, err := r.value(d)
		if err != nil {
			return nil, fmt.Errorf("DefaultRouteSettings: %w", err)
		}
		dm := asMap(dv)
		api.ThrottleBurst, _ = strconv.Atoi(scalarString(dm["ThrottlingBurstLimit"]))
		api.ThrottleRate, _ = strconv.ParseFloat(scalarString(dm["ThrottlingRateLimit"]), 64)
	}
	return api, nil
}

// RouteAuthorizer returns the authorizer name a route uses: its own, or the
// API's default when the event did not say.
func (a *HTTPAPI) RouteAuthorizer(ev HTTPEvent) string {
	if ev.Authorizer == "$default" {
		return a.DefaultAuthorizer
	}
	return ev.Authorizer
}

func (r *resolver) table(id string, props map[string]any) (*Table, error) {
	v, err := r.value(props)
	if err != nil {
		return nil, err
	}
	p := asMap(v)
	name, err := r.physicalName(id)
	if err != nil {
		return nil, err
	}
	t := &Table{LogicalID: id, Name: name, BillingMode: scalarString(p["BillingMode"])}
	t.ARN = r.arn("dynamodb", "table/"+name)
	if t.BillingMode == "" {
		t.BillingMode = "PROVISIONED"
	}
	for _, a := range asList(p["AttributeDefinitions"]) {
		m := asMap(a)
		t.AttributeDefinitions = append(t.AttributeDefinitions, AttributeDefinition{scalarString(m["AttributeName"]), scalarString(m["AttributeType"])})
	}
	t.KeySchema = keySchema(p["KeySchema"])
	indexes := func(v any) []Index {
		var out []Index
		for _, i := range asList(v) {
			m := asMap(i)
			proj := asMap(m["Projection"])
			idx := Index{Name: scalarString(m["IndexName"]), KeySchema: keySchema(m["KeySchema"]), ProjectionType: scalarString(proj["ProjectionType"])}
			for _, a := range asList(proj["NonKeyAttributes"]) {
				idx.NonKeyAttributes = append(idx.NonKeyAttributes, scalarString(a))
			}
			out = append(out, idx)
		}
		return out
	}
	t.GlobalIndexes = indexes(p["GlobalSecondaryIndexes"])
	t.LocalIndexes = indexes(p["LocalSecondaryIndexes"])
	if ttl := asMap(p["TimeToLiveSpecification"]); scalarString(ttl["Enabled"]) == "true" {
		t.TTLAttribute = scalarString(ttl["AttributeName"])
	}
	t.PointInTimeRecovery = scalarString(asMap(p["PointInTimeRecoverySpecification"])["PointInTimeRecoveryEnabled"]) == "true"
	return t, nil
}

func keySchema(v any) []KeyElement {
	var out []KeyElement
	for _, k := range asList(v) {
		m := asMap(k)
		out = append(out, KeyElement{scalarString(m["AttributeName"]), scalarString(m["KeyType"])})
	}
	return out
}

func (r *resolver) bucket(id string, props map[string]any) (*Bucket, error) {
	v, err := r.value(props)
	if err != nil {
		return nil, err
	}
	p := asMap(v)
	name, err := r.physicalName(id)
	if err != nil {
		return nil, err
	}
	b := &Bucket{LogicalID: id, Name: name}
	b.Versioning = scalarString(asMap(p["VersioningConfiguration"])["Status"]) == "Enabled"
	for _, rule := range asList(asMap(p["CorsConfiguration"])["CorsRules"]) {
		m := asMap(rule)
		strs := func(k string) []string {
			var out []string
			for _, e := range asList(m[k]) {
				out = append(out, scalarString(e))
			}
			return out
		}
		cr := BucketCORSRule{
			AllowedMethods: strs("AllowedMethods"),
			AllowedOrigins: strs("AllowedOrigins"),
			AllowedHeaders: strs("AllowedHeaders"),
			ExposedHeaders: strs("ExposedHeaders"),
		}
		cr.MaxAge, _ = strconv.Atoi(scalarString(m["MaxAge"]))
		b.CORSRules = append(b.CORSRules, cr)
	}
	return b, nil
}

// queueAttributes maps CloudFormation queue properties to SQS API attributes.
var queueAttributes = []string{
	"DelaySeconds", "MaximumMessageSize", "MessageRetentionPeriod", "ReceiveMessageWaitTimeSeconds",
	"VisibilityTimeout", "FifoQueue", "ContentBasedDeduplication", "KmsMasterKeyId",
	"KmsDataKeyReusePeriodSeconds", "SqsManagedSseEnabled", "DeduplicationScope", "FifoThroughputLimit",
}

func (r *resolver) queue(id string, props map[string]any) (*Queue, error) {
	v, err := r.value(props)
	if err != nil {
		return nil, err
	}
	p := asMap(v)
	name, err := r.physicalName(id)
	if err != nil {
		return nil, err
	}
	q := &Queue{LogicalID: id, Name: name, ARN: r.arn("sqs", name), Attributes: map[string]string{}}
	for _, k := range queueAttributes {
		if v, ok := p[k]; ok {
			q.Attributes[k] = scalarString(v)
		}
	}
	for _, k := range []string{"RedrivePolicy", "RedriveAllowPolicy"} {
		if v, ok := p[k]; ok {
			if s, ok := v.(string); ok {
				q.Attributes[k] = s
				continue
			}
			m := asMap(v)
			// SQS expects maxReceiveCount as a number in the JSON document.
			if c, ok := m["maxReceiveCount"]; ok {
				if n, err := strconv.Atoi(scalarString(c)); err == nil {
					m["maxReceiveCount"] = n
				}
			}
			b, err := json.Marshal(m)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", k, err)
			}
			q.Attributes[k] = string(b)
		}
	}
	return q, nil
}

// topicAttributes maps CloudFormation topic properties to SNS API
// attributes (TopicName names the topic, Subscription lists inline
// subscriptions; Tags are not kept locally).
var topicAttributes = []string{"DisplayName", "KmsMasterKeyId", "SignatureVersion", "TracingConfig", "ContentBasedDeduplication", "FifoTopic"}

func (r *resolver) topic(id string, props map[string]any) (*Topic, []*Subscription, error) {
	v, err := r.value(props)
	if err != nil {
		return nil, nil, err
	}
	p := asMap(v)
	name, err := r.physicalName(id)
	if err != nil {
		return nil, nil, err
	}
	t := &Topic{LogicalID: id, Name: name, ARN: r.arn("sns", name), Attributes: map[string]string{}}
	for _, k := range topicAttributes {
		if v, ok := p[k]; ok {
			t.Attributes[k] = scalarString(v)
		}
	}
	if t.Attributes["FifoTopic"] == "true" {
		return nil, nil, fmt.Errorf("FifoTopic: FIFO topics are not supported locally")
	}
	delete(t.Attributes, "FifoTopic")
	// Inline subscriptions (the Subscription property) take only a protocol
	// and an endpoint.
	var subs []*Subscription
	for i, item := range asList(p["Subscription"]) {
		m := asMap(item)
		sub := &Subscription{
			LogicalID: fmt.Sprintf("%s.Subscription[%d]", id, i), TopicARN: t.ARN,
			Protocol: scalarString(m["Protocol"]), Endpoint: scalarString(m["Endpoint"]), Attributes: map[string]string{},
		}
		if sub.Protocol == "" || sub.Endpoint == "" {
			return nil, nil, fmt.Errorf("Subscription[%d]: Protocol and Endpoint are required", i)
		}
		subs = append(subs, sub)
	}
	return t, subs, nil
}

// subscription resolves an AWS::SNS::Subscription: FilterPolicy may be a
// JSON object in the template (CloudFormation's form) or a string.
func (r *resolver) subscription(id string, props map[string]any) (*Subscription, error) {
	v, err := r.value(props)
	if err != nil {
		return nil, err
	}
	p := asMap(v)
	sub := &Subscription{
		LogicalID: id, TopicARN: scalarString(p["TopicArn"]), Protocol: scalarString(p["Protocol"]),
		Endpoint: scalarString(p["Endpoint"]), Attributes: map[string]string{},
	}
	if sub.TopicARN == "" || sub.Protocol == "" || sub.Endpoint == "" {
		return nil, fmt.Errorf("TopicArn, Protocol and Endpoint are required")
	}
	if raw, ok := p["RawMessageDelivery"]; ok {
		sub.Attributes["RawMessageDelivery"] = strings.ToLower(scalarString(raw))
	}
	for _, k := range []string{"FilterPolicy", "DeliveryPolicy", "RedrivePolicy"} {
		val, ok := p[k]
		if !ok {
			continue
		}
		if s, isString := val.(string); isString {
			sub.Attributes[k] = s
			continue
		}
		b, err := json.Marshal(val)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", k, err)
		}
		sub.Attributes[k] = string(b)
	}
	if scope, ok := p["FilterPolicyScope"]; ok {
		sub.Attributes["FilterPolicyScope"] = scalarString(scope)
	}
	return sub, nil
}

func (r *resolver) customResource(id string, res Resource) (*CustomResource, error) {
	v, err := r.value(res.Properties)
	if err != nil {
		return nil, err
	}
	props := asMap(v)
	token := scalarString(props["ServiceToken"])
	cr := &CustomResource{LogicalID: id, Type: res.Type, Properties: props}
	for fid, fres := range r.t.Resources {
		if fres.Type != "AWS::Serverless::Function" && fres.Type != "AWS::Lambda::Function" {
			continue
		}
		if arn, err := r.attr(fid, "Arn"); err == nil && arn == token {
			cr.Function = fid
		}
	}
	if cr.Function == "" {
		return nil, fmt.Errorf("ServiceToken %q is not a function of this template (SNS-backed custom resources are not supported locally)", token)
	}
	return cr, nil
}
