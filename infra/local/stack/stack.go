// Package stack runs a SAM application on one machine: it reads template.yaml,
// starts (or points at) DynamoDB, S3, SQS and SES endpoints, provisions the
// template's resources there, builds every function's bootstrap, runs the
// functions under the local Lambda runtime, serves the HTTP API through the
// gateway emulator with its JWT authorizer, runs the SQS and schedule event
// sources, and rebuilds functions when their sources change.
//
// It knows an application only through its template and its local
// configuration (package appconfig): the stack's name, the Go package of
// each function whose CodeUri does not say, demo users, profiles.
//
// It is the composition root of infra/local; production code never imports it.
//
// Layer: local.
package stack

import (
	"context"
	"crypto/rsa"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/claimsdesk/backend/infra/local/appconfig"
	"github.com/claimsdesk/backend/infra/local/awsemu/dynamodb"
	"github.com/claimsdesk/backend/infra/local/build"
	"github.com/claimsdesk/backend/infra/local/cognito"
	"github.com/claimsdesk/backend/infra/local/events"
	"github.com/claimsdesk/backend/infra/local/gateway"
	"github.com/claimsdesk/backend/infra/local/runtime"
	"github.com/claimsdesk/backend/infra/local/template"
)

// Config configures a local stack. Zero values take the defaults noted.
type Config struct {
	// Root is the project root holding template.yaml and the functions'
	// sources (default ".").
	Root string
	// Template is the template path (default Root/template.yaml).
	Template string
	// StateDir holds everything the stack keeps (default Root/.local).
	StateDir string
	// BuildDir holds function binaries (default StateDir/build); tests share
	// one so that each stack does not relink every function.
	BuildDir string
	// StackName defaults to the local configuration's, else "sam-app".
	StackName string
	Region    string // default "eu-central-1"
	AccountID string // default "123456789012"
	// APIAddr and ServicesAddr are listen addresses; port 0 picks a free one
	// (defaults 127.0.0.1:3000 and 127.0.0.1:4566).
	APIAddr      string
	ServicesAddr string
	// Parameters override the template's parameter defaults.
	Parameters map[string]string
	// EnvVars overrides function variables in sam local's --env-vars shape:
	// logical ID (or "Parameters" for all functions) -> name -> value.
	// Undeclared variables are added too.
	EnvVars map[string]map[string]string
	// AppConfig is the application's local configuration file: stack name,
	// function packages, demo users, profiles (default local-stack.yaml in Root
	// or Root/infra when it exists; see package appconfig).
	AppConfig string
	// Profile names the configuration's profile whose parameters and
	// function variables apply beneath Parameters and EnvVars, which win
	// ("" for none).
	Profile string
	// Endpoints replace embedded services with external ones.
	Endpoints Endpoints
	// Functions restricts the stack to these logical IDs (nil = all).
	Functions []string
	// NoAPI and NoEventSources leave the HTTP API or the queue and schedule
	// event sources out (used by one-off invokes).
	NoAPI, NoEventSources bool
	// Watch rebuilds and swaps functions when their sources change.
	Watch bool
	// MaxConcurrency bounds processes per function without reserved
	// concurrency (default 8); excess invocations wait for a free process.
	MaxConcurrency int
	// Console receives function output prefixed by logical ID (default os.Stdout).
	Console io.Writer
	// Logger receives the stack's own log (default text to os.Stderr).
	Logger *slog.Logger
	// Clock drives schedules (default the wall clock).
	Clock events.Clock
}

// Stack is a running local stack.
type Stack struct {
	cfg    Config
	logger *slog.Logger

	// Model is the resolved template.
	Model *template.Stack
	// App is the application's local configuration (empty when it has none).
	App *appconfig.Config
	// APIURL is the HTTP API base URL ("" when NoAPI).
	APIURL string
	// ServicesURL is the embedded AWS endpoint (Lambda Invoke API included).
	ServicesURL string
	// SignIn is the hosted sign-in of the first user pool with a domain
	// (nil when there is none): the local https://<domain>.auth.<region>.amazoncognito.com.
	SignIn *SignIn
	// OutboxDir is where SES writes mail ("" when SES is external).
	OutboxDir string
	// Endpoints are the service endpoints in use.
	Endpoints Endpoints
	// AWS is an SDK configuration with the stack's region and credentials.
	AWS aws.Config
	// Clients are SDK clients for the stack's endpoints.
	Clients Clients

	emb      *embedded
	issuers  map[string]*cognito.Issuer
	signIns  map[string]*SignIn
	pools    map[string]*runtime.Pool
	binaries map[string]string
	builder  *build.Builder
	gateway  *gateway.Gateway
	apiSrv   *http.Server
	svcSrv   *http.Server
	cancel   context.CancelFunc
	wg       sync.WaitGroup
	logs     []io.Closer
	// stopping is set when Shutdown begins: invokes are refused from then.
	stopping atomic.Bool
	// abort, closed when a stop cannot wait, cancels the pollers' receives.
	abort     chan struct{}
	abortOnce sync.Once
	mu        sync.Mutex
	closed    sync.Once
	closeErr  error

	cfnResponses cfnResponses
}

func (c *Config) defaults() {
	if c.Root == "" {
		c.Root = "."
	}
	if abs, err := filepath.Abs(c.Root); err == nil {
		c.Root = abs
	}
	if c.Template == "" {
		c.Template = filepath.Join(c.Root, "template.yaml")
	}
	if c.StateDir == "" {
		c.StateDir = filepath.Join(c.Root, ".local")
	}
	if c.Region == "" {
		c.Region = "eu-central-1"
	}
	if c.AccountID == "" {
		c.AccountID = "123456789012"
	}
	if c.APIAddr == "" {
		c.APIAddr = "127.0.0.1:3000"
	}
	if c.ServicesAddr == "" {
		c.ServicesAddr = "127.0.0.1:4566"
	}
	if c.MaxConcurrency <= 0 {
		c.MaxConcurrency = 8
	}
	if c.Console == nil {
		c.Console = os.Stdout
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.NewTextHandler(os.Stderr, nil))
	}
	if c.Clock == nil {
		c.Clock = events.RealClock
	}
}

// load applies the defaults and the application's local configuration: its
// stack name, and its profile's parameters and variables beneath the
// Config's own.
func (c *Config) load() (*appconfig.Config, error) {
	c.defaults()
	app, err := appconfig.Find(c.Root, c.AppConfig)
	if err != nil {
		return nil, err
	}
	if c.StackName == "" {
		c.StackName = app.Name()
	}
	if c.Profile == "" {
		return app, nil
	}
	p, err := app.Profile(c.Profile)
	if err != nil {
		return nil, err
	}
	params := maps.Clone(p.Parameters)
	if params == nil {
		params = map[string]string{}
	}
	maps.Copy(params, c.Parameters)
	c.Parameters = params
	env := map[string]map[string]string{}
	for _, vars := range []map[string]map[string]string{p.EnvVars, c.EnvVars} {
		for scope, kv := range vars {
			if env[scope] == nil {
				env[scope] = map[string]string{}
			}
			maps.Copy(env[scope], kv)
		}
	}
	c.EnvVars = env
	return app, nil
}

// LoadApp returns the application's local configuration the Config names
// (an empty one when there is none).
func LoadApp(cfg Config) (*appconfig.Config, error) { return cfg.load() }

// Start brings the stack up and returns once it serves.
func Start(ctx context.Context, cfg Config) (*Stack, error) {
	app, err := cfg.load()
	if err != nil {
		return nil, err
	}
	s := &Stack{cfg: cfg, App: app, logger: cfg.Logger, pools: map[string]*runtime.Pool{}, issuers: map[string]*cognito.Issuer{}, binaries: map[string]string{},
		abort: make(chan struct{})}
	if err := s.start(ctx); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

func (s *Stack) start(ctx context.Context) error {
	cfg := s.cfg
	if err := os.MkdirAll(cfg.StateDir, 0o755); err != nil {
		return fmt.Errorf("create state dir: %w", err)
	}
	tmpl, err := template.Load(cfg.Template)
	if err != nil {
		return err
	}

	svcLn, err := net.Listen("tcp", cfg.ServicesAddr)
	if err != nil {
		return fmt.Errorf("listen for AWS services on %s (set SERVICES_PORT to use another port): %w", cfg.ServicesAddr, err)
	}
	s.ServicesURL = "http://" + svcLn.Addr().String()
	var apiLn net.Listener
	if !cfg.NoAPI {
		if apiLn, err = net.Listen("tcp", cfg.APIAddr); err != nil {
			svcLn.Close()
			return fmt.Errorf("listen for the HTTP API on %s (set PORT to use another port): %w", cfg.APIAddr, err)
		}
		s.APIURL = "http://" + apiLn.Addr().String()
	}

	// The services log every request; keep that for -debug.
	svcLogger := slog.New(levelHandler{min: slog.LevelWarn, Handler: s.logger.Handler()})
	if s.logger.Enabled(ctx, slog.LevelDebug) {
		svcLogger = s.logger
	}
	if s.emb, err = startEmbedded(cfg.StateDir, cfg.Region, cfg.AccountID, cfg.Endpoints, svcLogger); err != nil {
		svcLn.Close()
		if apiLn != nil {
			apiLn.Close()
		}
		return err
	}
	if s.emb.ses != nil {
		s.OutboxDir = s.emb.ses.Outbox()
	}
	s.svcSrv = &http.Server{Handler: &servicesHandler{e: s.emb, lambda: lambdaAPI{s}, cfn: &s.cfnResponses, signIn: s.serveSignIn}, ReadHeaderTimeout: 30 * time.Second}
	go func() { _ = s.svcSrv.Serve(svcLn) }()

	s.Endpoints = cfg.Endpoints
	for _, ep := range []*string{&s.Endpoints.DynamoDB, &s.Endpoints.S3, &s.Endpoints.SQS, &s.Endpoints.SES, &s.Endpoints.SNS} {
		if *ep == "" {
			*ep = s.ServicesURL
		}
	}
	if s.AWS, err = sdkConfig(ctx, cfg.Region); err != nil {
		return err
	}
	s.Clients = newClients(s.AWS, s.Endpoints)

	params, err := localParameters(cfg.StateDir, tmpl, withAPIURL(cfg.Parameters, s.APIURL))
	if err != nil {
		return err
	}
	env := template.Env{StackName: cfg.StackName, Region: cfg.Region, AccountID: cfg.AccountID, Parameters: params, APIEndpoint: s.APIURL, Packages: s.App.Functions}
	draft, err := template.Build(tmpl, env, cfg.Root)
	if err != nil {
		return fmt.Errorf("template: %w", err)
	}
	urls, err := provision(ctx, s.Clients, draft, cfg.Region)
	if err != nil {
		return fmt.Errorf("provision: %w", err)
	}
	env.QueueURL = func(name string) string { return urls[name] }
	if s.Model, err = template.Build(tmpl, env, cfg.Root); err != nil {
		return fmt.Errorf("template: %w", err)
	}
	if err := checkApp(s.Model, s.App); err != nil {
		return err
	}
	if err := s.loadIssuers(); err != nil {
		return err
	}
	s.mu.Lock()
	err = s.startSignIns()
	s.mu.Unlock()
	if err != nil {
		return err
	}
	if err := s.startFunctions(ctx); err != nil {
		return err
	}
	if err := s.runCustomResources(ctx); err != nil {
		return err
	}
	runCtx, cancel := context.WithCancel(context.Background())
	s.cancel = cancel
	if !cfg.NoAPI {
		if err := s.startAPI(apiLn); err != nil {
			apiLn.Close()
			return err
		}
	}
	if !cfg.NoEventSources {
		if err := s.startEventSources(runCtx, urls); err != nil {
			return err
		}
	}
	if cfg.Watch {
		targets, err := s.targets()
		if err != nil {
			return err
		}
		var packages []string
		for _, t := range targets {
			packages = append(packages, t.Package)
		}
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			build.Watch(runCtx, cfg.Root, packages, time.Second, func() { s.rebuild(runCtx) }, s.logger)
		}()
	}
	return nil
}

// sdkConfig is the stack's own SDK configuration: the local credentials unless
// real ones are in the environment, and no shared config files, so a user's
// ~/.aws settings cannot redirect the stack.
func sdkConfig(ctx context.Context, region string) (aws.Config, error) {
	key, secret, token := os.Getenv("AWS_ACCESS_KEY_ID"), os.Getenv("AWS_SECRET_ACCESS_KEY"), os.Getenv("AWS_SESSION_TOKEN")
	if key == "" || secret == "" {
		key, secret, token = LocalAccessKey, LocalSecretKey, ""
	}
	cfg, err := config.LoadDefaultConfig(ctx,
		config.WithRegion(region),
		config.WithCredentialsProvider(credentials.NewStaticCredentialsProvider(key, secret, token)),
		config.WithSharedConfigFiles([]string{}),
		config.WithSharedCredentialsFiles([]string{}),
	)
	if err != nil {
		return aws.Config{}, fmt.Errorf("aws sdk config: %w", err)
	}
	return cfg, nil
}

func (s *Stack) selected(fn *template.Function) bool {
	if len(s.cfg.Functions) == 0 {
		return true
	}
	for _, f := range s.cfg.Functions {
		if f == fn.LogicalID || f == fn.Name {
			return true
		}
	}
	return false
}

func (s *Stack) targets() ([]build.Target, error) {
	var out []build.Target
	for _, fn := range s.Model.Functions {
		if !s.selected(fn) {
			continue
		}
		if fn.Package == "" {
			where := s.App.Path
			if where == "" {
				where = filepath.Join(s.cfg.Root, appconfig.DefaultFile)
			}
			return nil, fmt.Errorf("function %s: no Go package to build: its CodeUri (%q) names none; name it under functions: in %s", fn.LogicalID, fn.CodeURI, where)
		}
		out = append(out, build.Target{LogicalID: fn.LogicalID, Package: fn.Package})
	}
	return out, nil
}

func (s *Stack) startFunctions(ctx context.Context) error {
	buildDir := s.cfg.BuildDir
	if buildDir == "" {
		buildDir = filepath.Join(s.cfg.StateDir, "build")
	}
	s.builder = &build.Builder{Root: s.cfg.Root, OutDir: buildDir, Logger: s.logger}
	targets, err := s.targets()
	if err != nil {
		return err
	}
	started := time.Now()
	bins, err := s.builder.Build(ctx, targets)
	if err != nil {
		return fmt.Errorf("build functions: %w", err)
	}
	s.logger.Debug("functions built", "count", len(bins), "duration", time.Since(started).String())
	logDir := filepath.Join(s.cfg.StateDir, "logs")
	if err := os.MkdirAll(logDir, 0o755); err != nil {
		return fmt.Errorf("create log dir: %w", err)
	}
	tmpDir := filepath.Join(s.cfg.StateDir, "tmp")
	os.RemoveAll(tmpDir)
	if err := os.MkdirAll(tmpDir, 0o755); err != nil {
		return fmt.Errorf("create tmp dir: %w", err)
	}
	for _, fn := range s.Model.Functions {
		if !s.selected(fn) {
			continue
		}
		if fn.Runtime != "" && fn.Runtime != "provided.al2023" && fn.Runtime != "provided.al2" {
			return fmt.Errorf("function %s: runtime %s is not supported locally (Go functions use provided.al2023)", fn.LogicalID, fn.Runtime)
		}
		logFile, err := openLog(filepath.Join(logDir, fn.LogicalID+".log"), keptLogs, maxLogBytes)
		if err != nil {
			return fmt.Errorf("open log of %s: %w", fn.LogicalID, err)
		}
		s.logs = append(s.logs, logFile)
		pc := runtime.Config{
			LogicalID:      fn.LogicalID,
			FunctionName:   fn.Name,
			ARN:            fn.ARN,
			Binary:         bins[fn.LogicalID],
			Env:            s.functionEnv(fn),
			Timeout:        fn.Timeout,
			MemoryMB:       fn.MemoryMB,
			Concurrency:    s.cfg.MaxConcurrency,
			LogFormat:      fn.LogFormat,
			SystemLogLevel: fn.SystemLogLevel,
			TempDir:        tmpDir,
			Output:         io.MultiWriter(logFile, &prefixWriter{w: s.cfg.Console, prefix: "[" + fn.LogicalID + "] "}),
			Logger:         s.logger.With("function", fn.LogicalID),
			IdleTimeout:    10 * time.Minute,
		}
		if fn.ReservedConcurrency != nil {
			pc.Concurrency, pc.Reserved = *fn.ReservedConcurrency, true
		}
		pool, err := runtime.New(pc)
		if err != nil {
			return err
		}
		s.pools[fn.LogicalID] = pool
		s.binaries[fn.LogicalID] = bins[fn.LogicalID]
	}
	return nil
}

// functionEnv is the environment Lambda gives the function, the template's
// variables, and the endpoints of the local services.
func (s *Stack) functionEnv(fn *template.Function) []string {
	key, secret, token := LocalAccessKey, LocalSecretKey, ""
	if v := os.Getenv("AWS_ACCESS_KEY_ID"); v != "" && os.Getenv("AWS_SECRET_ACCESS_KEY") != "" {
		key, secret, token = v, os.Getenv("AWS_SECRET_ACCESS_KEY"), os.Getenv("AWS_SESSION_TOKEN")
	}
	vars := map[string]string{
		"AWS_REGION":                      s.cfg.Region,
		"AWS_DEFAULT_REGION":              s.cfg.Region,
		"AWS_ACCESS_KEY_ID":               key,
		"AWS_SECRET_ACCESS_KEY":           secret,
		"AWS_LAMBDA_FUNCTION_NAME":        fn.Name,
		"AWS_LAMBDA_FUNCTION_VERSION":     "$LATEST",
		"AWS_LAMBDA_FUNCTION_MEMORY_SIZE": strconv.Itoa(fn.MemoryMB),
		"AWS_LAMBDA_LOG_GROUP_NAME":       "/aws/lambda/" + fn.Name,
		"AWS_LAMBDA_INITIALIZATION_TYPE":  "on-demand",
		"AWS_XRAY_CONTEXT_MISSING":        "LOG_ERROR",
		"_HANDLER":                        fn.Handler,
		"TZ":                              ":UTC",
		"LANG":                            "en_US.UTF-8",
		"PATH":                            os.Getenv("PATH"),
		// Lambda has no ~/.aws; keep the user's profiles out of the functions.
		"AWS_CONFIG_FILE":             os.DevNull,
		"AWS_SHARED_CREDENTIALS_FILE": os.DevNull,
		"AWS_EC2_METADATA_DISABLED":   "true",
		// The only difference from production: where the services are.
		"AWS_ENDPOINT_URL_DYNAMODB": s.Endpoints.DynamoDB,
		"AWS_ENDPOINT_URL_S3":       s.Endpoints.S3,
		"AWS_ENDPOINT_URL_SQS":      s.Endpoints.SQS,
		"AWS_ENDPOINT_URL_SESV2":    s.Endpoints.SES,
		"AWS_ENDPOINT_URL_SNS":      s.Endpoints.SNS,
	}
	if token != "" {
		vars["AWS_SESSION_TOKEN"] = token
	}
	if strings.EqualFold(fn.LogFormat, "JSON") {
		vars["AWS_LAMBDA_LOG_FORMAT"] = "JSON"
		vars["AWS_LAMBDA_LOG_LEVEL"] = fn.AppLogLevel
	}
	if gc := os.Getenv("GOCOVERDIR"); gc != "" {
		vars["GOCOVERDIR"] = gc
	}
	for k, v := range fn.Env {
		vars[k] = s.withLocalSignIn(v)
	}
	for _, scope := range []string{"Parameters", fn.LogicalID} {
		for k, v := range s.cfg.EnvVars[scope] {
			vars[k] = v
		}
	}
	out := make([]string, 0, len(vars))
	for k, v := range vars {
		out = append(out, k+"="+v)
	}
	sort.Strings(out)
	return out
}

func (s *Stack) startAPI(ln net.Listener) error {
	if len(s.Model.HTTPAPIs) == 0 {
		s.APIURL = ""
		ln.Close()
		return nil
	}
	if len(s.Model.HTTPAPIs) > 1 {
		s.logger.Warn("the template has several HTTP APIs; only the first is served locally", "api", s.Model.HTTPAPIs[0].LogicalID)
	}
	api := s.Model.HTTPAPIs[0]
	authorizers := map[string]gateway.JWTAuthorizer{}
	for name, a := range api.Authorizers {
		ja := gateway.JWTAuthorizer{IdentitySource: a.IdentitySource, Issuer: a.Issuer, Audience: a.Audience, Keys: noKeys{}}
		for _, pool := range s.Model.UserPools {
			if pool.Issuer == a.Issuer {
				ja.Keys = s.issuers[pool.LogicalID]
			}
		}
		if _, ok := ja.Keys.(noKeys); ok {
			s.logger.Warn("authorizer issuer is not a user pool of this template; its tokens cannot be issued or verified locally", "authorizer", name, "issuer", a.Issuer)
		}
		authorizers[name] = ja
	}
	var routes []gateway.Route
	for _, fn := range s.Model.Functions {
		if !s.selected(fn) {
			continue
		}
		for _, ev := range fn.HTTPEvents {
			if ev.API != api.LogicalID {
				continue
			}
			routes = append(routes, gateway.Route{
				Method: ev.Method, Path: ev.Path, Function: fn.LogicalID,
				Authorizer: api.RouteAuthorizer(ev), Scopes: ev.Scopes, Timeout: ev.Timeout,
			})
		}
	}
	gcfg := gateway.Config{
		APIID: api.ID, Stage: "$default", Region: s.cfg.Region, AccountID: s.cfg.AccountID,
		Routes: routes, Authorizers: authorizers, Invoker: gatewayInvoker{s},
		Throttle: gateway.ThrottleSettings{BurstLimit: api.ThrottleBurst, RateLimit: api.ThrottleRate},
		Logger:   s.logger.With("component", "http-api"),
	}
	if c := api.CORS; c != nil {
		gcfg.CORS = &gateway.CORS{AllowOrigins: c.AllowOrigins, AllowMethods: c.AllowMethods, AllowHeaders: c.AllowHeaders, ExposeHeaders: c.ExposeHeaders, MaxAge: c.MaxAge, AllowCredentials: c.AllowCredentials}
	}
	g, err := gateway.New(gcfg)
	if err != nil {
		return fmt.Errorf("http api: %w", err)
	}
	s.gateway = g
	s.apiSrv = &http.Server{Handler: g, ReadHeaderTimeout: 30 * time.Second}
	go func() { _ = s.apiSrv.Serve(ln) }()
	return nil
}

type noKeys struct{}

func (noKeys) PublicKey(string) (*rsa.PublicKey, bool) { return nil, false }

type gatewayInvoker struct{ s *Stack }

func (g gatewayInvoker) Invoke(ctx context.Context, function string, payload []byte) (gateway.InvokeResult, error) {
	// The gateway reuses its buffer; the invocation may outlive this call.
	p := append([]byte(nil), payload...)
	res, err := g.s.Invoke(ctx, function, p)
	if err != nil {
		return gateway.InvokeResult{}, err
	}
	return gateway.InvokeResult{Payload: res.Payload, FunctionError: res.FunctionError}, nil
}

func (s *Stack) startEventSources(ctx context.Context, urls map[string]string) error {
	for _, fn := range s.Model.Functions {
		if !s.selected(fn) {
			continue
		}
		pool := s.pools[fn.LogicalID]
		invoke := func(ctx context.Context, payload []byte) (events.Result, error) {
			res, err := s.Invoke(ctx, fn.LogicalID, payload)
			if errors.Is(err, runtime.ErrClosed) {
				return events.Result{}, fmt.Errorf("%s: %w", fn.LogicalID, events.ErrNotInvoked)
			}
			if err != nil {
				return events.Result{}, err
			}
			return events.Result{Payload: res.Payload, FunctionError: res.FunctionError}, nil
		}
		for _, ev := range fn.SQSEvents {
			if !ev.Enabled {
				continue
			}
			q := s.Model.Queue(ev.Queue)
			if vt, err := strconv.Atoi(q.Attributes["VisibilityTimeout"]); err == nil && time.Duration(vt)*time.Second < fn.Timeout {
				return fmt.Errorf("function %s: queue %s visibility timeout (%ds) is shorter than the function timeout (%s); Lambda refuses this mapping", fn.LogicalID, q.LogicalID, vt, fn.Timeout)
			}
			if len(ev.FilterPatterns) > 0 {
				s.logger.Warn("SQS filter criteria are not evaluated locally; every message is delivered", "function", fn.LogicalID, "event", ev.Name)
			}
			concurrency := ev.MaximumConcurrency
			if concurrency == 0 {
				concurrency = min(pool.Config().Concurrency, 5)
			}
			m := &events.SQSMapping{
				Client: s.Clients.SQS, QueueURL: urls[q.Name], QueueARN: q.ARN, Region: s.cfg.Region,
				BatchSize: ev.BatchSize, BatchingWindow: ev.BatchingWindow, ReportBatchItemFailures: ev.ReportBatchItemFailures,
				Concurrency: max(concurrency, 1), Invoke: invoke, Logger: s.logger.With("function", fn.LogicalID, "event", ev.Name),
				// Short long polls: a graceful stop waits for the receives
				// under way rather than leave messages invisible.
				WaitTime: pollWait, Abort: s.abort,
			}
			s.wg.Add(1)
			go func() {
				defer s.wg.Done()
				m.Run(ctx)
			}()
		}
		for _, ev := range fn.ScheduleEvents {
			if !ev.Enabled {
				continue
			}
			sc := &events.Schedule{
				Type: ev.Type, Expression: ev.Expression, Timezone: ev.Timezone, Input: ev.Input, HasInput: ev.HasInput,
				RuleName: ev.RuleName, Region: s.cfg.Region, AccountID: s.cfg.AccountID, Invoke: invoke,
				Logger: s.logger.With("function", fn.LogicalID, "event", ev.Name), Clock: s.cfg.Clock,
			}
			if _, err := sc.Parse(time.Now()); err != nil {
				return fmt.Errorf("function %s: %w", fn.LogicalID, err)
			}
			s.wg.Add(1)
			go func() {
				defer s.wg.Done()
				if err := sc.Run(ctx); err != nil {
					s.logger.Error("schedule stopped", "function", fn.LogicalID, "error", err.Error())
				}
			}()
		}
	}
	return nil
}

// Invoke runs a function synchronously. Once the stack stops it returns
// runtime.ErrClosed.
func (s *Stack) Invoke(ctx context.Context, function string, payload []byte) (*runtime.Result, error) {
	if s.stopping.Load() {
		return nil, fmt.Errorf("invoke %s: %w", function, runtime.ErrClosed)
	}
	s.mu.Lock()
	pool := s.pools[function]
	s.mu.Unlock()
	if pool == nil {
		if fn := s.Model.Function(function); fn != nil {
			s.mu.Lock()
			pool = s.pools[fn.LogicalID]
			s.mu.Unlock()
		}
	}
	if pool == nil {
		return nil, fmt.Errorf("function %s is not running in this stack", function)
	}
	return pool.Invoke(ctx, payload)
}

// InvokeAsync runs a function as an asynchronous (Event) invocation: errors are
// retried twice, about one and two minutes apart, as Lambda does.
func (s *Stack) InvokeAsync(function string, payload []byte) (*runtime.Result, error) {
	var res *runtime.Result
	var err error
	for attempt := 0; ; attempt++ {
		res, err = s.Invoke(context.Background(), function, payload)
		if err == nil && res.FunctionError == "" || attempt >= len(events.DefaultRetryDelays) {
			return res, err
		}
		time.Sleep(events.DefaultRetryDelays[attempt])
	}
}

// Pool returns a function's process pool (nil when it is not running).
func (s *Stack) Pool(logicalID string) *runtime.Pool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.pools[logicalID]
}

// rebuild builds every function and swaps the ones whose binary changed.
func (s *Stack) rebuild(ctx context.Context) {
	started := time.Now()
	targets, err := s.targets()
	if err != nil {
		s.logger.Error("rebuild failed; the previous build keeps running", "error", err.Error())
		return
	}
	bins, err := s.builder.Build(ctx, targets)
	if err != nil {
		s.logger.Error("rebuild failed; the previous build keeps running", "error", err.Error())
		return
	}
	var swapped []string
	s.mu.Lock()
	for id, bin := range bins {
		if s.binaries[id] == bin {
			continue
		}
		s.binaries[id] = bin
		s.pools[id].Swap(bin)
		s.builder.Prune(id, bin)
		swapped = append(swapped, id)
	}
	s.mu.Unlock()
	sort.Strings(swapped)
	if len(swapped) > 0 {
		s.logger.Info("functions rebuilt and swapped", "functions", strings.Join(swapped, ","), "duration", time.Since(started).Round(time.Millisecond).String())
	}
}

// Rebuild rebuilds changed functions now (what the watcher does on a change).
func (s *Stack) Rebuild(ctx context.Context) { s.rebuild(ctx) }

// Close stops everything at once and flushes the services' state:
// invocations in flight are killed (as a crash would), and the messages
// they held return to their queues after the visibility timeout. Calling it
// (or Shutdown) again does nothing.
func (s *Stack) Close() error {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	return s.Shutdown(ctx)
}

// Shutdown stops the stack gracefully, as SIGINT or SIGTERM does: first the
// event sources (SQS pollers and schedules stop receiving and firing; a
// batch received and not yet invoked goes back to its queue at once), then
// the HTTP API stops accepting; no new invocation starts (Invoke returns
// runtime.ErrClosed), and the invocations in flight, with the requests and
// batches waiting on them, run to their end (each within its function's
// timeout) while ctx allows; then the services flush their state and stop.
// When ctx ends first, what is still running is killed as Close does.
// Calling it (or Close) again does nothing.
func (s *Stack) Shutdown(ctx context.Context) error {
	s.closed.Do(func() { s.closeErr = s.shutdown(ctx) })
	return s.closeErr
}

func (s *Stack) shutdown(ctx context.Context) error {
	started := time.Now()
	graceful := ctx.Err() == nil
	abort := func() { s.abortOnce.Do(func() { close(s.abort) }) }
	defer abort()
	stopAbort := context.AfterFunc(ctx, abort)
	defer stopAbort()
	// 1. Event sources: no new receive, no new schedule firing.
	if s.cancel != nil {
		s.cancel()
	}
	// 2. The HTTP API: no new request; those in flight finish.
	var api sync.WaitGroup
	if s.apiSrv != nil {
		api.Add(1)
		go func() {
			defer api.Done()
			if err := s.apiSrv.Shutdown(ctx); err != nil {
				_ = s.apiSrv.Close()
			}
		}()
	}
	// 3. No new invocation; those in flight end.
	s.mu.Lock()
	pools := s.pools
	s.mu.Unlock()
	api.Wait()
	s.stopping.Store(true)
	var inFlight []string
	for id, p := range pools {
		p.Drain()
		if err := p.Wait(ctx); err != nil {
			inFlight = append(inFlight, id)
		}
	}
	if graceful {
		if len(inFlight) > 0 {
			sort.Strings(inFlight)
			s.logger.Warn("stop: invocations still in flight when the time ran out were killed", "functions", strings.Join(inFlight, ","))
		} else {
			s.logger.Info("stop: every invocation in flight finished", "took", time.Since(started).Round(time.Millisecond).String())
		}
	}
	for _, p := range pools {
		p.Close()
	}
	// The pollers end once their last batch is deleted or given back.
	s.wg.Wait()
	if s.svcSrv != nil {
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		_ = s.svcSrv.Shutdown(sctx)
		cancel()
	}
	if s.emb != nil {
		s.emb.close()
	}
	var errs []error
	for _, c := range s.logs {
		errs = append(errs, c.Close())
	}
	return errors.Join(errs...)
}

// pollWait is the long-poll wait of the SQS event sources' receives.
const pollWait = 2 * time.Second

// StopTimeout is how long a graceful stop may take: the longest function
// timeout (what an invocation in flight may still need) and a little more
// for the services to flush.
func (s *Stack) StopTimeout() time.Duration {
	longest := time.Duration(0)
	if s.Model != nil {
		for _, fn := range s.Model.Functions {
			longest = max(longest, fn.Timeout)
		}
	}
	return longest + 5*time.Second
}

// prefixWriter prefixes every line written to w.
type prefixWriter struct {
	mu     sync.Mutex
	w      io.Writer
	prefix string
}

func (p *prefixWriter) Write(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []byte
	for _, line := range strings.SplitAfter(string(b), "\n") {
		if line == "" {
			continue
		}
		out = append(out, p.prefix...)
		out = append(out, line...)
	}
	if _, err := p.w.Write(out); err != nil {
		return 0, err
	}
	return len(b), nil
}

// levelHandler drops records below min.
type levelHandler struct {
	min slog.Level
	slog.Handler
}

func (h levelHandler) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= h.min && h.Handler.Enabled(ctx, l)
}

func (h levelHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return levelHandler{h.min, h.Handler.WithAttrs(attrs)}
}

func (h levelHandler) WithGroup(name string) slog.Handler {
	return levelHandler{h.min, h.Handler.WithGroup(name)}
}

// DynamoDBStats returns the embedded DynamoDB's counters (requests per
// operation, items read, capacity); false when DynamoDB is external.
func (s *Stack) DynamoDBStats() (dynamodb.Stats, bool) { return s.emb.dynamoStats() }

// ResetDynamoDBStats zeroes the embedded DynamoDB's counters.
func (s *Stack) ResetDynamoDBStats() { s.emb.resetDynamoStats() }

func (e *embedded) dynamoStats() (dynamodb.Stats, bool) {
	if e == nil || e.dynamodb == nil {
		return dynamodb.Stats{}, false
	}
	return e.dynamodb.Stats(), true
}

func (e *embedded) resetDynamoStats() {
	if e != nil && e.dynamodb != nil {
		e.dynamodb.ResetStats()
	}
}
