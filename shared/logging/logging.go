// Package logging builds the functions' JSON loggers: one line per event, at the
// level Lambda passes in AWS_LAMBDA_LOG_LEVEL (LoggingConfig.ApplicationLogLevel),
// with the request ID added to every line logged with a request's context.
//
// It imports only the standard library and aws-lambda-go's lambdacontext.
//
// Layer: adapter.
package logging

import (
	"context"
	"io"
	"log/slog"
	"os"
	"strings"

	"github.com/aws/aws-lambda-go/lambdacontext"
)

// New returns a JSON logger writing to w at the level from the environment.
func New(w io.Writer) *slog.Logger {
	h := slog.NewJSONHandler(w, &slog.HandlerOptions{Level: Level(os.Getenv("AWS_LAMBDA_LOG_LEVEL"))})
	return slog.New(requestHandler{h})
}

// Level maps Lambda's log level names to slog levels; unknown names give INFO.
func Level(name string) slog.Level {
	switch strings.ToUpper(name) {
	case "TRACE", "DEBUG":
		return slog.LevelDebug
	case "WARN":
		return slog.LevelWarn
	case "ERROR", "FATAL":
		return slog.LevelError
	}
	return slog.LevelInfo
}

// requestHandler adds requestId from the Lambda context to each record.
type requestHandler struct{ slog.Handler }

func (h requestHandler) Handle(ctx context.Context, r slog.Record) error {
	if lc, ok := lambdacontext.FromContext(ctx); ok && lc.AwsRequestID != "" {
		r.AddAttrs(slog.String("requestId", lc.AwsRequestID))
	}
	return h.Handler.Handle(ctx, r)
}

func (h requestHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return requestHandler{h.Handler.WithAttrs(attrs)}
}

func (h requestHandler) WithGroup(name string) slog.Handler {
	return requestHandler{h.Handler.WithGroup(name)}
}
