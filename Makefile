# ClaimsDesk. The two commands a new machine needs: `make run` and `make test`.
# Requirements: Go and make. Nothing else for run/test; `make lint` also uses
# cfn-lint and `make conformance` moto_server when they are installed.

GO        ?= go
SHELL     := /bin/bash
# Every function of template.yaml; `sam build` calls build-<LogicalId>.
FUNCTIONS := PublicFunction ClaimsFunction AdminFunction ReportsFunction AnalyticsFunction ExportsFunction NotifierFunction RelayFunction SlaFunction ReportMailFunction KnowledgeFunction SeedFunction

.DEFAULT_GOAL := help
.PHONY: help run test bench lint conformance build token invoke reset clean deploy \
        fmt-check vet cfn-lint tidy-check $(addprefix build-,$(FUNCTIONS))

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/:.*## /\t/' | expand -t 14

LOCAL := .local/bin/claims-local

# The local stack reads what it needs to know of ClaimsDesk (stack name,
# function packages, demo users, the run and test profiles) from infra/local-stack.yaml.
run: ## run the whole stack locally (HTTP API :3000, AWS services :4566); prints `ready`
	@$(GO) build -o $(LOCAL) ./infra/local
	@PARAMETERS="$(PARAMETERS)" exec $(LOCAL) run

test: ## run every test (unit, local-stack end-to-end, embedded conformance)
	$(GO) test ./...

bench: ## print the performance figures (local stack overhead and cold starts, emulators, application, faults)
	$(GO) test -run '^$$' -bench 'GatewayRuntimeOverhead' -benchtime 3000x ./infra/local/benchmarks/
	$(GO) test -run '^$$' -bench 'ColdStart' -benchtime 40x ./infra/local/benchmarks/ -args -app $(CURDIR)
	$(GO) test -run '^$$' -bench 'Intake|Transition' -benchtime 300x ./shared/httpapi/e2e/
	$(GO) test -run '^$$' -bench 'Notifier' -benchtime 3x ./shared/httpapi/e2e/
	$(GO) test -run '^$$' -bench 'ConfirmationLatency' -benchtime 20x ./shared/httpapi/e2e/
	$(GO) test -run '^$$' -bench 'KnowledgeSearch' -benchtime 500x ./shared/httpapi/e2e/
	$(GO) test -run '^$$' -bench 'Faults' -benchtime 1x -timeout 30m ./shared/httpapi/e2e/
	$(GO) test -run '^$$' -bench 'BenchmarkExport$$' -benchtime 2x -timeout 20m ./shared/httpapi/e2e/
	$(GO) test -run '^$$' -bench 'BenchmarkRun$$' -benchtime 5x ./shared/exports/runner/
	$(GO) test -run '^$$' -bench 'Worklist' -benchtime 500x ./shared/dynamo/
	$(GO) test -run '^$$' -bench 'SLACheck' -benchtime 5x ./shared/dynamo/
	$(GO) test -run '^$$' -bench 'AggregateUpdate' -benchtime 100x ./shared/dynamo/
	$(GO) test -run '^$$' -bench 'Detection' -benchtime 1x ./shared/quality/
	$(GO) test -run '^$$' -bench 'KBSearch' -benchtime 2000x ./shared/kb/search/
	$(GO) test -run '^$$' -bench 'KBIndexStore' -benchtime 5x ./shared/kb/search/
	$(GO) test -run '^$$' -bench 'StructureReport' -benchtime 20x ./shared/dynamo/
	$(GO) test -run '^$$' -bench 'StructurePDF' -benchtime 10x ./shared/httpapi/
	$(GO) test -run '^$$' -bench 'Render' -benchtime 50x ./shared/documents/
	$(GO) test -run '^$$' -bench 'PDFTwoCharts|XLSX|CSV' -benchtime 20x ./shared/reportfile/
	$(GO) test -run '^$$' -bench . -benchtime 1s ./infra/local/gateway/ ./infra/local/awsemu/dynamodb/ ./shared/qrcode/...

conformance: ## run the AWS conformance suite against the embedded services and moto_server
	CONFORMANCE_MOTO=1 $(GO) test -count=1 -v -run 'Conformance|StackOnMoto' ./infra/local/conformance/

lint: fmt-check vet cfn-lint tidy-check ## gofmt, go vet, cfn-lint, go mod tidy

fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go' -not -path './.local/*')); \
	if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

vet:
	$(GO) vet ./...

cfn-lint:
	@if command -v cfn-lint >/dev/null; then cfn-lint template.yaml; \
	elif [ -n "$$CI" ]; then echo "cfn-lint is required in CI"; exit 1; \
	else echo "cfn-lint not installed: template lint skipped (pip install cfn-lint)"; fi

tidy-check:
	$(GO) mod tidy -diff

token: ## print a token: make token ROLE=<group> [USER=<id>] [DEALER=<id>] [CLAIMS="custom:<name>=<value> ..."]
	@$(GO) build -o $(LOCAL) ./infra/local
	@$(LOCAL) token -role "$(ROLE)" -user "$(if $(filter command line,$(origin USER)),$(USER))" \
		$(if $(DEALER),-claim "dealer=$(DEALER)") $(foreach c,$(CLAIMS),-claim "$(c)")

invoke: ## invoke one function: make invoke FN=<LogicalId> EVENT=events/<LogicalId>.json
	@$(GO) build -o $(LOCAL) ./infra/local
	@$(LOCAL) invoke -fn "$(FN)" -event "$(EVENT)"

reset: ## wipe local state (tables, objects, queues, mail, logs)
	@$(GO) build -o $(LOCAL) ./infra/local
	@$(LOCAL) reset

clean: ## remove build outputs and local state
	rm -rf .aws-sam .local

# ---- SAM build (sam build runs `make build-<LogicalId>` with ARTIFACTS_DIR set)

build: $(addprefix build-,$(FUNCTIONS)) ## build every function for Lambda into .aws-sam/build/<LogicalId>/

define lambda
	GOOS=linux GOARCH=arm64 CGO_ENABLED=0 $(GO) build -trimpath -tags lambda.norpc -ldflags='-s -w' \
		-o $(or $(ARTIFACTS_DIR),.aws-sam/build/$(1))/bootstrap ./functions/$(2)
endef

build-PublicFunction:
	$(call lambda,PublicFunction,public)
build-ClaimsFunction:
	$(call lambda,ClaimsFunction,claims)
build-AdminFunction:
	$(call lambda,AdminFunction,admin)
build-ReportsFunction:
	$(call lambda,ReportsFunction,reports)
build-AnalyticsFunction:
	$(call lambda,AnalyticsFunction,analytics)
build-ExportsFunction:
	$(call lambda,ExportsFunction,exports)
build-NotifierFunction:
	$(call lambda,NotifierFunction,notifier)
build-RelayFunction:
	$(call lambda,RelayFunction,relay)
build-SlaFunction:
	$(call lambda,SlaFunction,sla)
build-ReportMailFunction:
	$(call lambda,ReportMailFunction,reportmail)
build-KnowledgeFunction:
	$(call lambda,KnowledgeFunction,knowledge)
build-SeedFunction:
	$(call lambda,SeedFunction,seed)

deploy: ## sam build && sam deploy with infra/samconfig.toml (needs the SAM CLI and an AWS account)
	sam build --config-file infra/samconfig.toml
	sam deploy --config-file infra/samconfig.toml
