package template

import (
	"crypto/sha256"
	"fmt"
	"strings"
)

// Env is what the template resolves against locally: the pseudo parameters, the
// parameter overrides and the endpoints that production would know only after
// deployment.
type Env struct {
	StackName string
	Region    string
	AccountID string
	// Parameters overrides the template parameters' defaults.
	Parameters map[string]string
	// APIEndpoint is the base URL of the local HTTP API (the value of !GetAtt Api.ApiEndpoint).
	APIEndpoint string
	// Packages names, by function logical ID, the directory of the Go main
	// package that builds the function, relative to the project root: the
	// application's local configuration says it for functions whose CodeUri
	// is the whole project (a makefile build).
	Packages map[string]string
	// QueueURL returns a queue's URL from its physical name; nil gives
	// "http://sqs.<region>.amazonaws.com/<account>/<name>" until the queue is provisioned.
	QueueURL func(name string) string
}

// physicalName returns the name a resource gets locally: its explicit name property
// when it has one, otherwise "<stack>-<LogicalId>" as CloudFormation would (minus
// CloudFormation's random suffix, so that local state survives restarts).
func (r *resolver) physicalName(id string) (string, error) {
	res, ok := r.t.Resources[id]
	if !ok {
		return "", fmt.Errorf("unknown resource %s", id)
	}
	prop := map[string]string{
		"AWS::DynamoDB::Table":         "TableName",
		"AWS::S3::Bucket":              "BucketName",
		"AWS::SQS::Queue":              "QueueName",
		"AWS::Serverless::Function":    "FunctionName",
		"AWS::Lambda::Function":        "FunctionName",
		"AWS::SNS::Topic":              "TopicName",
		"AWS::Logs::LogGroup":          "LogGroupName",
		"AWS::CloudWatch::Alarm":       "AlarmName",
		"AWS::Cognito::UserPoolGroup":  "GroupName",
		"AWS::Cognito::UserPoolDomain": "Domain",
		"AWS::SES::EmailIdentity":      "EmailIdentity",
		"AWS::Cognito::UserPool":       "",
		"AWS::Cognito::UserPoolClient": "",
	}[res.Type]
	if prop != "" {
		if v, ok := res.Properties[prop]; ok {
			name, err := r.stringValue(v)
			if err != nil {
				return "", fmt.Errorf("%s.%s: %w", id, prop, err)
			}
			if name != "" {
				return name, nil
			}
		}
	}
	name := r.env.StackName + "-" + id
	switch res.Type {
	case "AWS::S3::Bucket":
		name = strings.ToLower(name)
		if len(name) > 63 {
			name = name[:63]
		}
	case "AWS::SQS::Queue":
		if fifo, _ := res.Properties["FifoQueue"].(bool); fifo {
			name += ".fifo"
		}
	case "AWS::Cognito::UserPool":
		name = r.env.Region + "_" + shortID(r.env.StackName+"/"+id, 9, alnumMixed)
	case "AWS::Cognito::UserPoolClient":
		name = shortID(r.env.StackName+"/"+id, 26, alnumLower)
	case "AWS::Serverless::HttpApi", "AWS::ApiGatewayV2::Api":
		name = shortID(r.env.StackName+"/"+id, 10, alnumLower)
	}
	return name, nil
}

const (
	alnumLower = "abcdefghijklmnopqrstuvwxyz0123456789"
	alnumMixed = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
)

// shortID derives a stable identifier shaped like the service's generated IDs.
func shortID(seed string, n int, alphabet string) string {
	sum := sha256.Sum256([]byte(seed))
	out := make([]byte, n)
	for i := range out {
		out[i] = alphabet[int(sum[i%len(sum)])%len(alphabet)]
	}
	return string(out)
}

// resourceRef returns what !Ref gives for a resource.
func (r *resolver) resourceRef(id string) (any, error) {
	res, ok := r.t.Resources[id]
	if !ok {
		return nil, fmt.Errorf("Ref to unknown resource or parameter %s", id)
	}
	name, err := r.physicalName(id)
	if err != nil {
		return nil, err
	}
	switch res.Type {
	case "AWS::SQS::Queue":
		return r.queueURL(name), nil
	case "AWS::SNS::Topic":
		return r.arn("sns", name), nil
	}
	return name, nil
}

func (r *resolver) queueURL(name string) string {
	if r.env.QueueURL != nil {
		return r.env.QueueURL(name)
	}
	return fmt.Sprintf("https://sqs.%s.amazonaws.com/%s/%s", r.env.Region, r.env.AccountID, name)
}

func (r *resolver) arn(service, resource string) string {
	return fmt.Sprintf("arn:aws:%s:%s:%s:%s", service, r.env.Region, r.env.AccountID, resource)
}

// attr returns what !GetAtt gives for a resource attribute.
func (r *resolver) attr(id, attr string) (any, error) {
	res, ok := r.t.Resources[id]
	if !ok {
		return nil, fmt.Errorf("GetAtt on unknown resource %s", id)
	}
	name, err := r.physicalName(id)
	if err != nil {
		return nil, err
	}
	unsupported := fmt.Errorf("GetAtt %s.%s: attribute not supported locally for %s", id, attr, res.Type)
	switch res.Type {
	case "AWS::DynamoDB::Table":
		switch attr {
		case "Arn":
			return r.arn("dynamodb", "table/"+name), nil
		case "StreamArn":
			return r.arn("dynamodb", "table/"+name+"/stream/1970-01-01T00:00:00.000"), nil
		}
	case "AWS::S3::Bucket":
		switch attr {
		case "Arn":
			return "arn:aws:s3:::" + name, nil
		case "DomainName":
			return name + ".s3.amazonaws.com", nil
		case "RegionalDomainName":
			return fmt.Sprintf("%s.s3.%s.amazonaws.com", name, r.env.Region), nil
		}
	case "AWS::SQS::Queue":
		switch attr {
		case "Arn":
			return r.arn("sqs", name), nil
		case "QueueName":
			return name, nil
		case "QueueUrl":
			return r.queueURL(name), nil
		}
	case "AWS::Serverless::Function", "AWS::Lambda::Function":
		if attr == "Arn" {
			return r.arn("lambda", "function:"+name), nil
		}
	case "AWS::Serverless::HttpApi", "AWS::ApiGatewayV2::Api":
		switch attr {
		case "ApiEndpoint":
			if r.env.APIEndpoint != "" {
				return r.env.APIEndpoint, nil
			}
			return fmt.Sprintf("https://%s.execute-api.%s.amazonaws.com", name, r.env.Region), nil
		case "ApiId":
			return name, nil
		}
	case "AWS::Cognito::UserPool":
		switch attr {
		case "Arn":
			return r.arn("cognito-idp", "userpool/"+name), nil
		case "ProviderName":
			return fmt.Sprintf("cognito-idp.%s.amazonaws.com/%s", r.env.Region, name), nil
		case "ProviderURL":
			return fmt.Sprintf("https://cognito-idp.%s.amazonaws.com/%s", r.env.Region, name), nil
		case "UserPoolId":
			return name, nil
		}
	case "AWS::Cognito::UserPoolClient":
		switch attr {
		case "ClientId":
			return name, nil
		}
	case "AWS::SNS::Topic":
		switch attr {
		case "TopicArn":
			return r.arn("sns", name), nil
		case "TopicName":
			return name, nil
		}
	case "AWS::Logs::LogGroup":
		if attr == "Arn" {
			return r.arn("logs", "log-group:"+name+":*"), nil
		}
	case "AWS::CloudWatch::Alarm":
		if attr == "Arn" {
			return r.arn("cloudwatch", "alarm:"+name), nil
		}
	}
	return nil, unsupported
}
