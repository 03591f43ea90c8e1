// Command local runs the SAM application in template.yaml (in the current
// directory) on this machine, with no Docker and no AWS account:
//
//	local [run]                     # the whole stack, until Ctrl-C
//	local token -role <group> [-user <id>] [-claim <name>=<value>]... [-ttl 12h]
//	local invoke -fn <LogicalId> -event <file.json>
//	local reset                     # wipe local state (data, queues, mail, logs)
//
// What it needs to know of the application and cannot read from the
// template (stack name, function packages, demo users, the run profile's
// parameters) comes from the application's local configuration,
// local-stack.yaml beside the template or in its infra/ folder (-config names another; see package
// appconfig). run, token and invoke apply its "run" profile when it has
// one (-profile names another).
//
// Environment: PORT (HTTP API, 3000), SERVICES_PORT (AWS endpoint, 4566),
// AWS_ENDPOINT_URL[_DYNAMODB|_S3|_SQS|_SESV2] (use external services),
// ENV_VARS (a sam-local style --env-vars JSON file), PARAMETERS
// ("Name=Value Name=Value" template parameter overrides, over the profile's).
//
// Layer: local.
package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/claimsdesk/backend/infra/local/appconfig"
	"github.com/claimsdesk/backend/infra/local/stack"
)

func main() {
	cmd := "run"
	args := os.Args[1:]
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		cmd, args = args[0], args[1:]
	}
	var err error
	switch cmd {
	case "run":
		err = run(args)
	case "token":
		err = tokenCmd(args)
	case "invoke":
		err = invokeCmd(args)
	case "reset":
		err = resetCmd(args)
	default:
		err = fmt.Errorf("unknown command %q (run, token, invoke, reset)", cmd)
	}
	if err != nil {
		var exit exitCode
		if errors.As(err, &exit) {
			os.Exit(int(exit))
		}
		fmt.Fprintln(os.Stderr, "error:", err)
		os.Exit(1)
	}
}

// exitCode ends the command with a status and no further message.
type exitCode int

func (e exitCode) Error() string { return fmt.Sprintf("exit status %d", int(e)) }

// appFlags are the flags every command takes: the local configuration and
// its profile.
type appFlags struct {
	config, profile string
}

func (a *appFlags) register(fs *flag.FlagSet, withProfile bool) {
	fs.StringVar(&a.config, "config", "", "the application's local configuration (default: local-stack.yaml beside the template or in infra/)")
	if withProfile {
		fs.StringVar(&a.profile, "profile", "", "the configuration's profile to apply (default: run, when it has one)")
	}
}

// apply sets the configuration and the profile: the one named, else "run"
// when the configuration has it.
func (a *appFlags) apply(cfg *stack.Config) error {
	cfg.AppConfig = a.config
	if a.profile != "" {
		cfg.Profile = a.profile
		return nil
	}
	app, err := stack.LoadApp(*cfg)
	if err != nil {
		return err
	}
	if app.HasProfile("run") {
		cfg.Profile = "run"
	}
	return nil
}

func baseConfig(a appFlags) (stack.Config, error) {
	cfg := stack.Config{
		APIAddr:      "127.0.0.1:" + envOr("PORT", "3000"),
		ServicesAddr: "127.0.0.1:" + envOr("SERVICES_PORT", "4566"),
		Endpoints:    stack.EndpointsFromEnv(os.Getenv),
		Parameters:   map[string]string{},
	}
	for _, kv := range strings.Fields(os.Getenv("PARAMETERS")) {
		k, v, ok := strings.Cut(kv, "=")
		if !ok {
			return cfg, fmt.Errorf("PARAMETERS: %q is not Name=Value", kv)
		}
		cfg.Parameters[k] = v
	}
	if path := os.Getenv("ENV_VARS"); path != "" {
		data, err := os.ReadFile(path)
		if err != nil {
			return cfg, fmt.Errorf("ENV_VARS: %w", err)
		}
		if err := json.Unmarshal(data, &cfg.EnvVars); err != nil {
			return cfg, fmt.Errorf("ENV_VARS %s: want {\"FunctionLogicalId\": {\"NAME\": \"value\"}}: %w", path, err)
		}
	}
	if err := a.apply(&cfg); err != nil {
		return cfg, err
	}
	return cfg, nil
}

func envOr(name, fallback string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return fallback
}

func run(args []string) error {
	fs := flag.NewFlagSet("run", flag.ExitOnError)
	watch := fs.Bool("watch", true, "rebuild functions when their sources change")
	debug := fs.Bool("debug", false, "log the stack's own debug messages")
	var app appFlags
	app.register(fs, true)
	_ = fs.Parse(args)
	cfg, err := baseConfig(app)
	if err != nil {
		return err
	}
	level := slog.LevelInfo
	if *debug {
		level = slog.LevelDebug
	}
	cfg.Logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
	cfg.Watch = *watch
	signals := make(chan os.Signal, 2)
	signal.Notify(signals, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(signals)
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		<-signals
		cancel()
	}()
	started := time.Now()
	s, err := stack.Start(ctx, cfg)
	if err != nil {
		return err
	}
	printBanner(s, time.Since(started))
	if forget, err := announce(cfg, s); err == nil {
		defer forget()
	} else {
		fmt.Fprintln(os.Stderr, "warning:", err)
	}
	fmt.Println("ready")
	<-ctx.Done()
	// A graceful stop: the event sources first, then no new invocation,
	// and those in flight finish (each within its function's timeout). A
	// second Ctrl-C stops at once.
	limit := s.StopTimeout()
	fmt.Fprintf(os.Stderr, "stopping: event sources stopped, waiting for invocations in flight (at most %s; Ctrl-C again to stop now)...\n", limit)
	stopCtx, stopNow := context.WithTimeout(context.Background(), limit)
	defer stopNow()
	go func() {
		select {
		case <-signals:
			fmt.Fprintln(os.Stderr, "stopping now")
			stopNow()
		case <-stopCtx.Done():
		}
	}()
	return s.Shutdown(stopCtx)
}

func printBanner(s *stack.Stack, took time.Duration) {
	var b strings.Builder
	fmt.Fprintf(&b, "Local stack %q (%s) from template.yaml, up in %s\n", s.Model.Name, s.Model.Region, took.Round(10*time.Millisecond))
	if s.APIURL != "" {
		fmt.Fprintf(&b, "  HTTP API    %s\n", s.APIURL)
	}
	fmt.Fprintf(&b, "  AWS         %s  (DynamoDB, S3, SQS, SES v2, SNS, Lambda Invoke API; credentials %s / %s)\n", s.ServicesURL, stack.LocalAccessKey, stack.LocalSecretKey)
	if ext := externalList(s); ext != "" {
		fmt.Fprintf(&b, "  External    %s\n", ext)
	}
	if si := s.SignIn; si != nil {
		var clients []string
		for _, id := range slices.Sorted(maps.Keys(si.Clients)) {
			clients = append(clients, id+"="+si.Clients[id])
		}
		fmt.Fprintf(&b, "  Sign-in     %s  (hosted sign-in of %s: /oauth2/authorize, /oauth2/token, /oauth2/revoke, /logout, /oauth2/userInfo; clients %s)\n", si.URL, si.Pool, strings.Join(clients, ", "))
	}
	if s.OutboxDir != "" {
		fmt.Fprintf(&b, "  Outbox      %s  (every mail SES accepts, as .eml)\n", s.OutboxDir)
	}
	var fns []string
	for _, fn := range s.Model.Functions {
		fns = append(fns, fn.LogicalID)
	}
	fmt.Fprintf(&b, "  Functions   %s\n", strings.Join(fns, ", "))
	fmt.Fprintf(&b, "  Logs        %s\n", filepath.Join(filepath.Dir(s.OutboxDir), "logs"))
	if len(s.App.Users) > 0 {
		fmt.Fprintln(&b, "Tokens (Authorization: Bearer <token>; valid 12h; `token -role <group> -user <id> [-claim <name>=<value>]` for others):")
		for _, u := range s.App.Users {
			tok, err := s.Token(stack.TokenRequest{Role: u.Groups[0], Groups: u.Groups[1:], User: u.Username, Email: u.Email, Claims: u.Attributes, TTL: 12 * time.Hour})
			if err != nil {
				fmt.Fprintf(&b, "  %-13s %-26s (no token: %v)\n", u.Groups[0], u.Username, err)
				continue
			}
			fmt.Fprintf(&b, "  %-13s %-26s %s\n", strings.Join(u.Groups, ","), demoUserLabel(s.App, u), tok)
		}
	}
	fmt.Print(b.String())
}

// demoUserLabel is a demo user's name with their attributes, each by its
// short name when the configuration gives one: "guest-1 (table 7)".
func demoUserLabel(app *appconfig.Config, u appconfig.User) string {
	var attrs []string
	for _, name := range slices.Sorted(maps.Keys(u.Attributes)) {
		if v := u.Attributes[name]; v != "" {
			attrs = append(attrs, app.ShortName(name)+" "+v)
		}
	}
	if len(attrs) == 0 {
		return u.Username
	}
	return u.Username + " (" + strings.Join(attrs, ", ") + ")"
}

func externalList(s *stack.Stack) string {
	var out []string
	for name, ep := range map[string]string{"DynamoDB": s.Endpoints.DynamoDB, "S3": s.Endpoints.S3, "SQS": s.Endpoints.SQS, "SES": s.Endpoints.SES, "SNS": s.Endpoints.SNS} {
		if ep != s.ServicesURL {
			out = append(out, name+"="+ep)
		}
	}
	return strings.Join(out, " ")
}

func tokenCmd(args []string) error {
	fs := flag.NewFlagSet("token", flag.ExitOnError)
	role := fs.String("role", "", "user pool group (the template's AWS::Cognito::UserPoolGroup names)")
	user := fs.String("user", "", "user ID (the token's sub); default: the group's demo user")
	email := fs.String("email", "", "email claim")
	ttl := fs.Duration("ttl", 12*time.Hour, "validity (at most 24h, like Cognito)")
	claims := claimFlags{}
	fs.Var(claims, "claim", "a custom attribute, `name=value`: custom:<name> or a short name of the local configuration (repeatable)")
	var app appFlags
	app.register(fs, true)
	_ = fs.Parse(args)
	if *role == "" {
		return errors.New("token: -role is required (the user pool group)")
	}
	cfg, err := baseConfig(app)
	if err != nil {
		return err
	}
	// The running stack's parameter overrides, so its tokens match.
	if r := findRunning(cfg); r != nil {
		for k, v := range r.Parameters {
			if _, set := cfg.Parameters[k]; !set {
				cfg.Parameters[k] = v
			}
		}
	}
	tok, err := stack.IssueToken(cfg, stack.TokenRequest{Role: *role, User: *user, Claims: claims, Email: *email, TTL: *ttl})
	if err != nil {
		return err
	}
	fmt.Println(tok)
	return nil
}

// claimFlags collects -claim name=value flags.
type claimFlags map[string]string

func (c claimFlags) String() string {
	var out []string
	for _, k := range slices.Sorted(maps.Keys(c)) {
		out = append(out, k+"="+c[k])
	}
	return strings.Join(out, " ")
}

func (c claimFlags) Set(v string) error {
	name, value, ok := strings.Cut(v, "=")
	if !ok || name == "" {
		return fmt.Errorf("%q is not name=value", v)
	}
	c[name] = value
	return nil
}

func invokeCmd(args []string) error {
	fs := flag.NewFlagSet("invoke", flag.ExitOnError)
	fn := fs.String("fn", "", "function logical ID (FN=...)")
	eventPath := fs.String("event", "", "event JSON file, or - for stdin (EVENT=...)")
	var app appFlags
	app.register(fs, true)
	_ = fs.Parse(args)
	if *fn == "" {
		return errors.New("invoke: -fn is required (FN=<LogicalId>)")
	}
	payload := []byte("{}")
	if *eventPath != "" {
		var err error
		if *eventPath == "-" {
			payload, err = io.ReadAll(os.Stdin)
		} else {
			payload, err = os.ReadFile(*eventPath)
		}
		if err != nil {
			return fmt.Errorf("read event: %w", err)
		}
	}
	cfg, err := baseConfig(app)
	if err != nil {
		return err
	}
	// A running stack (whatever its ports) takes the invoke on its services
	// endpoint; otherwise start just this function with the services,
	// invoke once and stop.
	if r := findRunning(cfg); r != nil {
		fmt.Fprintf(os.Stderr, "invoking %s on the running stack (%s)\n", *fn, r.ServicesURL)
		return invokeHTTP(r.ServicesURL, *fn, payload)
	}
	fmt.Fprintf(os.Stderr, "no running stack: starting %s alone\n", *fn)
	cfg.NoAPI, cfg.NoEventSources = true, true
	cfg.Functions = []string{*fn}
	cfg.Console = os.Stderr
	cfg.Logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	s, err := stack.Start(context.Background(), cfg)
	if err != nil {
		return err
	}
	defer s.Close()
	return invokeHTTP(s.ServicesURL, *fn, payload)
}

func invokeHTTP(base, fn string, payload []byte) error {
	req, err := http.NewRequest(http.MethodPost, base+"/2015-03-31/functions/"+fn+"/invocations", bytes.NewReader(payload))
	if err != nil {
		return err
	}
	req.Header.Set("X-Amz-Log-Type", "Tail")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("invoke %s: %w", fn, err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusOK {
		return fmt.Errorf("invoke %s: %s: %s", fn, res.Status, body)
	}
	if logs, err := base64.StdEncoding.DecodeString(res.Header.Get("X-Amz-Log-Result")); err == nil && len(logs) > 0 {
		os.Stderr.Write(logs)
	}
	os.Stdout.Write(body)
	fmt.Println()
	if fe := res.Header.Get("X-Amz-Function-Error"); fe != "" {
		fmt.Fprintf(os.Stderr, "function error: %s\n", fe)
		return exitCode(2)
	}
	return nil
}

func resetCmd(args []string) error {
	fs := flag.NewFlagSet("reset", flag.ExitOnError)
	var app appFlags
	app.register(fs, false)
	_ = fs.Parse(args)
	cfg, err := baseConfig(app)
	if err != nil {
		return err
	}
	if r := findRunning(cfg); r != nil {
		return fmt.Errorf("a stack is running on %s: stop `make run` first", r.ServicesURL)
	}
	// Build outputs and the token key survive a reset: they are not state.
	for _, d := range []string{"dynamodb", "s3", "sqs", "ses", "outbox", "logs", "tmp", "custom-resources.json", "identities.json"} {
		if err := os.RemoveAll(filepath.Join(".local", d)); err != nil {
			return fmt.Errorf("reset: %w", err)
		}
	}
	fmt.Println("local state wiped (.local: data, queues, mail, logs)")
	return nil
}
