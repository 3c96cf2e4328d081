package stack

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sns"

	"github.com/wallet-accounts/wallet/local/internal/fanout"
	"github.com/wallet-accounts/wallet/local/internal/runtimeapi"
	"github.com/wallet-accounts/wallet/local/internal/streams"
	"github.com/wallet-accounts/wallet/local/template"
)

// eventSources delivers the template's event sources other than HTTP routes: each DynamoDB
// event on the table's stream (a poller per mapping) and each SNS event on a topic of the
// template (a moto http subscription to the fan-out). Schedules are not delivered.
type eventSources struct {
	pollers []*streams.Poller
	fanout  *fanout.Server
}

// startEventSources creates the template's SNS topics in moto (so functions can publish to
// them) and, in the modes that serve the API (run, test: not invoke, which runs one event),
// starts delivering the running functions' stream and SNS events; the rest (schedules) are
// named in a warning.
func (st *Stack) startEventSources(ctx context.Context, fns []template.Function) error {
	topics, err := st.createTopics(ctx, st.env.TemplateContext())
	if err != nil {
		return err
	}
	deliver := st.cfg.APIAddr != ""
	st.sources = &eventSources{}
	for _, fn := range fns {
		_, running := st.pools[fn.LogicalID]
		for _, ev := range fn.Events {
			switch {
			case ev.HTTP != nil:
			case deliver && running && ev.Stream != nil && ev.Stream.Enabled && st.isTableStream(ev.Stream.Stream):
				err = st.pollStream(fn.LogicalID, ev)
			case deliver && running && ev.SNS != nil && topics[ev.SNS.Topic.LogicalID] != "":
				err = st.subscribe(ctx, fn.LogicalID, ev, topics[ev.SNS.Topic.LogicalID])
			case deliver:
				st.cfg.Log.Warn("event source not delivered locally", "function", fn.LogicalID, "event", ev.Name, "type", ev.Type)
			}
			if err != nil {
				return err
			}
		}
	}
	return nil
}

// isTableStream reports whether r names the stack table's stream.
func (st *Stack) isTableStream(r template.Reference) bool {
	res, ok := st.tpl.Resources[r.LogicalID]
	return ok && res.Type == template.TableType && r.Attribute == "StreamArn"
}

// createTopics creates every AWS::SNS::Topic of the template in moto, under the ARN the
// functions' environment names it by, and returns the ARNs by logical id.
func (st *Stack) createTopics(ctx context.Context, tctx template.Context) (map[string]string, error) {
	arns := map[string]string{}
	client := SNS(st.moto.url)
	for id, r := range st.tpl.Resources {
		if r.Type != "AWS::SNS::Topic" {
			continue
		}
		want := tctx.Refs[id]
		name := want[strings.LastIndex(want, ":")+1:]
		out, err := client.CreateTopic(ctx, &sns.CreateTopicInput{Name: aws.String(name)})
		if err != nil {
			return nil, fmt.Errorf("create topic %s in moto: %w", id, err)
		}
		if got := aws.ToString(out.TopicArn); got != want {
			return nil, fmt.Errorf("topic %s: moto named it %s, the functions know it as %s", id, got, want)
		}
		arns[id] = want
	}
	return arns, nil
}

// pollStream feeds the table's stream to a function.
func (st *Stack) pollStream(fn string, ev template.Event) error {
	if st.env.StreamARN == "" {
		return fmt.Errorf("%s.%s: the table has no stream", fn, ev.Name)
	}
	p, err := streams.Start(streams.Mapping{Function: fn, StreamARN: st.env.StreamARN, Region: Region, Source: *ev.Stream,
		Invoke: st.invoker(fn), Client: streamsClient(st.ddb.url), Log: st.cfg.Log})
	if err != nil {
		return fmt.Errorf("%s.%s: %w", fn, ev.Name, err)
	}
	st.sources.pollers = append(st.sources.pollers, p)
	st.cfg.Log.Info("stream delivered", "function", fn, "event", ev.Name, "batch", ev.Stream.BatchSize,
		"filters", len(ev.Stream.FilterPatterns))
	return nil
}

// subscribe has moto POST the topic's messages to the fan-out, for the function.
func (st *Stack) subscribe(ctx context.Context, fn string, ev template.Event, topicARN string) error {
	if st.sources.fanout == nil {
		f, err := fanout.Start(st.cfg.Log)
		if err != nil {
			return err
		}
		st.sources.fanout = f
	}
	endpoint := st.sources.fanout.Endpoint(fanout.Target{Function: fn, Event: ev.Name, Invoke: st.invoker(fn)})
	in := &sns.SubscribeInput{TopicArn: aws.String(topicARN), Protocol: aws.String("http"), Endpoint: aws.String(endpoint),
		ReturnSubscriptionArn: true, Attributes: map[string]string{}}
	if ev.SNS.FilterPolicy != "" {
		in.Attributes["FilterPolicy"] = ev.SNS.FilterPolicy
		if ev.SNS.FilterPolicyScope != "" {
			in.Attributes["FilterPolicyScope"] = ev.SNS.FilterPolicyScope
		}
	}
	out, err := SNS(st.moto.url).Subscribe(ctx, in)
	if err != nil {
		return fmt.Errorf("%s.%s: subscribe in moto: %w", fn, ev.Name, err)
	}
	st.sources.fanout.Subscribed(endpoint, aws.ToString(out.SubscriptionArn))
	st.cfg.Log.Info("topic delivered", "function", fn, "event", ev.Name, "topic", topicARN)
	return nil
}

// invoker runs fn in its pool.
func (st *Stack) invoker(fn string) func(ctx context.Context, event []byte) (*runtimeapi.Result, error) {
	return func(ctx context.Context, event []byte) (*runtimeapi.Result, error) { return st.Invoke(ctx, fn, event) }
}

// stopEventSources stops the pollers and the fan-out, waiting for the invocations in flight.
func (st *Stack) stopEventSources() error {
	if st.sources == nil {
		return nil
	}
	done := make(chan error, 1)
	go func() {
		for _, p := range st.sources.pollers {
			p.Stop()
		}
		var err error
		if st.sources.fanout != nil {
			err = st.sources.fanout.Close()
		}
		done <- err
	}()
	select {
	case err := <-done:
		return err
	case <-time.After(30 * time.Second):
		return errors.New("event sources did not stop within 30 s")
	}
}
