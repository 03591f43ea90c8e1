package stack

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/claimsdesk/backend/infra/local/awsemu/dynamodb"
	"github.com/claimsdesk/backend/infra/local/awsemu/s3"
	"github.com/claimsdesk/backend/infra/local/awsemu/ses"
	"github.com/claimsdesk/backend/infra/local/awsemu/sns"
	"github.com/claimsdesk/backend/infra/local/awsemu/sqs"
	"github.com/claimsdesk/backend/infra/local/runtime"
	"github.com/claimsdesk/backend/infra/local/template"
)

// Local credentials: the embedded services accept them, and S3 verifies
// presigned URLs and POST policies with them like AWS does with real keys.
const (
	LocalAccessKey = "AKIALOCALDEVELOPMENT"
	LocalSecretKey = "local/development/secret/key/of/the/stack00"
)

// Endpoints are external service endpoints that replace the embedded ones
// ("" keeps the embedded service).
type Endpoints struct {
	DynamoDB, S3, SQS, SES, SNS string
}

// EndpointsFromEnv reads AWS_ENDPOINT_URL and the per-service
// AWS_ENDPOINT_URL_<SERVICE> variables, as the AWS SDKs do.
func EndpointsFromEnv(getenv func(string) string) Endpoints {
	all := getenv("AWS_ENDPOINT_URL")
	pick := func(name string) string {
		if v := getenv("AWS_ENDPOINT_URL_" + name); v != "" {
			return v
		}
		return all
	}
	return Endpoints{DynamoDB: pick("DYNAMODB"), S3: pick("S3"), SQS: pick("SQS"), SES: pick("SESV2"), SNS: pick("SNS")}
}

// embedded are the in-process AWS services.
type embedded struct {
	dynamodb *dynamodb.Server
	s3       *s3.Server
	sqs      *sqs.Server
	ses      *ses.Server
	sns      *sns.Server
}

func startEmbedded(state, region, account string, ext Endpoints, logger *slog.Logger) (*embedded, error) {
	e := &embedded{}
	var err error
	sub := func(name string) string {
		if state == "" {
			return "" // memory only
		}
		return filepath.Join(state, name)
	}
	if ext.DynamoDB == "" {
		if e.dynamodb, err = dynamodb.New(dynamodb.Config{Dir: sub("dynamodb"), Region: region, AccountID: account, Logger: logger.With("service", "dynamodb")}); err != nil {
			return nil, fmt.Errorf("start dynamodb: %w", err)
		}
	}
	if ext.S3 == "" {
		if e.s3, err = s3.New(s3.Config{Dir: sub("s3"), Region: region, Credentials: map[string]string{LocalAccessKey: LocalSecretKey}, Logger: logger.With("service", "s3")}); err != nil {
			e.close()
			return nil, fmt.Errorf("start s3: %w", err)
		}
	}
	if ext.SQS == "" {
		if e.sqs, err = sqs.New(sqs.Config{Dir: sub("sqs"), Region: region, AccountID: account, Logger: logger.With("service", "sqs")}); err != nil {
			e.close()
			return nil, fmt.Errorf("start sqs: %w", err)
		}
	}
	if ext.SES == "" {
		if e.ses, err = ses.New(ses.Config{Dir: state, Region: region, AccountID: account, Logger: logger.With("service", "ses")}); err != nil {
			e.close()
			return nil, fmt.Errorf("start ses: %w", err)
		}
	}
	if ext.SNS == "" {
		deliver, err := queueDelivery(e.sqs, ext.SQS, region)
		if err != nil {
			e.close()
			return nil, err
		}
		if e.sns, err = sns.New(sns.Config{Dir: sub("sns"), Region: region, AccountID: account, DeliverToQueue: deliver, Logger: logger.With("service", "sns")}); err != nil {
			e.close()
			return nil, fmt.Errorf("start sns: %w", err)
		}
	}
	return e, nil
}

// queueDelivery is how the embedded SNS hands messages to subscribed queues:
// straight into the embedded SQS, or, when SQS is external, through the SQS
// API at its endpoint.
func queueDelivery(emb *sqs.Server, external, region string) (sns.DeliverFunc, error) {
	if emb != nil {
		return func(_ context.Context, queueARN string, m sns.QueueMessage) error {
			attrs := make(map[string]sqs.Attribute, len(m.Attributes))
			for k, a := range m.Attributes {
				attrs[k] = sqs.Attribute{DataType: a.DataType, StringValue: a.StringValue, BinaryValue: a.BinaryValue}
			}
			_, err := emb.Deliver(queueARN, m.Body, attrs)
			return err
		}, nil
	}
	cfg, err := sdkConfig(context.Background(), region)
	if err != nil {
		return nil, err
	}
	client := newClients(cfg, Endpoints{SQS: external}).SQS
	return func(ctx context.Context, queueARN string, m sns.QueueMessage) error {
		var attrs map[string]sqstypes.MessageAttributeValue
		for k, a := range m.Attributes {
			if attrs == nil {
				attrs = map[string]sqstypes.MessageAttributeValue{}
			}
			v := sqstypes.MessageAttributeValue{DataType: aws.String(a.DataType)}
			if strings.HasPrefix(a.DataType, "Binary") {
				v.BinaryValue = a.BinaryValue
			} else {
				v.StringValue = aws.String(a.StringValue)
			}
			attrs[k] = v
		}
		return sendToQueue(ctx, client, queueARN, m.Body, attrs)
	}, nil
}

func (e *embedded) close() {
	if e.dynamodb != nil {
		e.dynamodb.Close()
	}
	if e.s3 != nil {
		e.s3.Close()
	}
	if e.sqs != nil {
		e.sqs.Close()
	}
	if e.ses != nil {
		e.ses.Close()
	}
	if e.sns != nil {
		e.sns.Close()
	}
}

// servicesHandler routes a request to the service it is for, like one
// LocalStack-style endpoint serving every API.
type servicesHandler struct {
	e      *embedded
	lambda http.Handler
	cfn    http.Handler
	// signIn serves the user pools' hosted sign-in; false when the
	// request is not for it.
	signIn func(http.ResponseWriter, *http.Request) bool
}

func (h *servicesHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if h.cfn != nil && strings.HasPrefix(r.URL.Path, cfnResponsePath) {
		h.cfn.ServeHTTP(w, r)
		return
	}
	if h.signIn != nil && h.signIn(w, r) {
		return
	}
	var target http.Handler
	switch serviceOf(r) {
	case "lambda":
		target = h.lambda
	case "dynamodb":
		target = handlerOrNil(h.e.dynamodb)
	case "sqs":
		target = handlerOrNil(h.e.sqs)
	case "ses":
		target = handlerOrNil(h.e.ses)
	case "sns":
		target = handlerOrNil(h.e.sns)
	default:
		target = handlerOrNil(h.e.s3)
	}
	if target == nil {
		http.Error(w, "this service is configured to use an external endpoint", http.StatusNotFound)
		return
	}
	target.ServeHTTP(w, r)
}

// handlerOrNil avoids a typed nil pointer in an interface.
func handlerOrNil[T any, P interface {
	*T
	http.Handler
}](p P) http.Handler {
	if p == nil {
		return nil
	}
	return p
}

// serviceOf names the service a request is for: from the SigV4 credential
// scope when the request is signed, else from protocol markers; unsigned
// browser requests (presigned URLs, POST uploads, CORS preflights) are S3's.
func serviceOf(r *http.Request) string {
	if strings.HasPrefix(r.URL.Path, "/2015-03-31/functions/") {
		return "lambda"
	}
	if svc := scopeService(r.Header.Get("Authorization")); svc != "" {
		return svc
	}
	if strings.Contains(r.URL.RawQuery, "X-Amz-Credential=") {
		if c, err := url.QueryUnescape(queryValue(r.URL.RawQuery, "X-Amz-Credential")); err == nil {
			if parts := strings.Split(c, "/"); len(parts) == 5 {
				return parts[3]
			}
		}
	}
	target := r.Header.Get("X-Amz-Target")
	switch {
	case strings.HasPrefix(target, "DynamoDB_"):
		return "dynamodb"
	case strings.HasPrefix(target, "AmazonSQS"):
		return "sqs"
	case strings.HasPrefix(r.URL.Path, "/v2/email/"):
		return "ses"
	}
	return "s3"
}

func scopeService(authorization string) string {
	i := strings.Index(authorization, "Credential=")
	if i < 0 {
		return ""
	}
	cred := authorization[i+len("Credential="):]
	if j := strings.IndexAny(cred, ", "); j >= 0 {
		cred = cred[:j]
	}
	parts := strings.Split(cred, "/")
	if len(parts) != 5 {
		return ""
	}
	return parts[3]
}

func queryValue(raw, key string) string {
	for _, kv := range strings.Split(raw, "&") {
		k, v, _ := strings.Cut(kv, "=")
		if k == key {
			return v
		}
	}
	return ""
}

// lambdaAPI implements the Lambda Invoke API
// (POST /2015-03-31/functions/{name}/invocations) for the stack's functions.
type lambdaAPI struct {
	s *Stack
}

func (l lambdaAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rest := strings.TrimPrefix(r.URL.Path, "/2015-03-31/functions/")
	name, op, ok := strings.Cut(rest, "/")
	if name, _ = url.PathUnescape(name); !ok || op != "invocations" || r.Method != http.MethodPost {
		lambdaError(w, http.StatusNotFound, "ResourceNotFoundException", "unsupported Lambda API call "+r.Method+" "+r.URL.Path)
		return
	}
	fn := l.s.Model.Function(name)
	if fn == nil {
		lambdaError(w, http.StatusNotFound, "ResourceNotFoundException", "Function not found: "+name)
		return
	}
	payload, err := io.ReadAll(io.LimitReader(r.Body, runtime.MaxPayload+1))
	if err != nil {
		lambdaError(w, http.StatusBadRequest, "InvalidRequestContentException", "could not read the payload")
		return
	}
	if len(payload) == 0 {
		payload = []byte("{}")
	}
	if !json.Valid(payload) {
		lambdaError(w, http.StatusBadRequest, "InvalidRequestContentException", "Could not parse request body into json")
		return
	}
	if len(payload) > runtime.MaxPayload {
		lambdaError(w, http.StatusRequestEntityTooLarge, "RequestTooLargeException", "Request must be smaller than 6291456 bytes for the InvokeFunction operation")
		return
	}
	switch r.Header.Get("X-Amz-Invocation-Type") {
	case "DryRun":
		w.WriteHeader(http.StatusNoContent)
		return
	case "Event":
		go func() {
			if _, err := l.s.InvokeAsync(fn.LogicalID, payload); err != nil {
				l.s.logger.Error("asynchronous invoke failed", "function", fn.LogicalID, "error", err.Error())
			}
		}()
		w.WriteHeader(http.StatusAccepted)
		return
	}
	res, err := l.s.Invoke(r.Context(), fn.LogicalID, payload)
	if err != nil {
		if errors.Is(err, runtime.ErrThrottled) {
			lambdaError(w, http.StatusTooManyRequests, "TooManyRequestsException", "Rate Exceeded.")
			return
		}
		lambdaError(w, http.StatusInternalServerError, "ServiceException", err.Error())
		return
	}
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("X-Amz-Executed-Version", "$LATEST")
	h.Set("X-Amzn-Requestid", res.RequestID)
	if res.FunctionError != "" {
		h.Set("X-Amz-Function-Error", res.FunctionError)
	}
	if r.Header.Get("X-Amz-Log-Type") == "Tail" {
		h.Set("X-Amz-Log-Result", base64.StdEncoding.EncodeToString(res.Log))
	}
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(res.Payload)
}

func lambdaError(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Amzn-Errortype", code)
	w.WriteHeader(status)
	b, _ := json.Marshal(map[string]string{"Type": "User", "message": msg})
	_, _ = w.Write(b)
}

// Services is the embedded AWS endpoint on its own, without a template or
// functions (the conformance suite and tools use it).
type Services struct {
	// URL is the endpoint for every service.
	URL string
	srv *http.Server
	emb *embedded
}

// StartServices serves the embedded DynamoDB, S3, SQS, SES v2 and SNS on addr
// ("127.0.0.1:0" picks a port), keeping state in dir ("" = memory only).
func StartServices(dir, addr, region, account string, logger *slog.Logger) (*Services, error) {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	emb, err := startEmbedded(dir, region, account, Endpoints{}, logger)
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		emb.close()
		return nil, fmt.Errorf("listen on %s: %w", addr, err)
	}
	s := &Services{URL: "http://" + ln.Addr().String(), emb: emb}
	s.srv = &http.Server{Handler: &servicesHandler{e: emb, lambda: http.NotFoundHandler()}, ReadHeaderTimeout: 30 * time.Second}
	go func() { _ = s.srv.Serve(ln) }()
	return s, nil
}

// DynamoDBStats returns the embedded DynamoDB's counters.
func (s *Services) DynamoDBStats() (dynamodb.Stats, bool) { return s.emb.dynamoStats() }

// ResetDynamoDBStats zeroes the embedded DynamoDB's counters.
func (s *Services) ResetDynamoDBStats() { s.emb.resetDynamoStats() }

// Close stops the endpoint and flushes state.
func (s *Services) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err := s.srv.Shutdown(ctx)
	s.emb.close()
	return err
}

// Provisioned are the project's resources created on a services endpoint.
type Provisioned struct {
	Model     *template.Stack
	Clients   Clients
	QueueURLs map[string]string // by logical ID
	AWS       aws.Config
}

// ProvisionTemplate creates the resources of the template at root on the
// endpoint (embedded or external), named as the stack of root's local
// configuration names them, and returns SDK clients for it: storage tests
// use it to get the real table, bucket and queues without a stack.
func ProvisionTemplate(ctx context.Context, root, endpoint string) (*Provisioned, error) {
	cfg := Config{Root: root}
	app, err := cfg.load()
	if err != nil {
		return nil, err
	}
	tmpl, err := template.Load(cfg.Template)
	if err != nil {
		return nil, err
	}
	params, err := localParameters("", tmpl, nil)
	if err != nil {
		return nil, err
	}
	env := template.Env{StackName: cfg.StackName, Region: cfg.Region, AccountID: cfg.AccountID, Parameters: params, Packages: app.Functions}
	model, err := template.Build(tmpl, env, cfg.Root)
	if err != nil {
		return nil, fmt.Errorf("template: %w", err)
	}
	awsCfg, err := sdkConfig(ctx, cfg.Region)
	if err != nil {
		return nil, err
	}
	clients := newClients(awsCfg, Endpoints{DynamoDB: endpoint, S3: endpoint, SQS: endpoint, SES: endpoint, SNS: endpoint})
	urls, err := provision(ctx, clients, model, cfg.Region)
	if err != nil {
		return nil, fmt.Errorf("provision: %w", err)
	}
	p := &Provisioned{Model: model, Clients: clients, QueueURLs: map[string]string{}, AWS: awsCfg}
	for _, q := range model.Queues {
		p.QueueURLs[q.LogicalID] = urls[q.Name]
	}
	return p, nil
}
