// Package vote is the one shape of every governance vote command (prefix
// approve|reject|revoke, org approve|reject): one subject argument, checked
// locally, then one transaction whose answer is the record voted on, shown
// by the noun's act (render.Act). A noun describes its votes with a Spec and
// its verbs with Verbs.
package vote

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/provledger/provenance/client/internal/cmdutil"
)

// Verb is one vote: its command name, the chaincode function, the past
// tense of the headline and the help.
type Verb struct {
	Name, Fn, Past, Short, Long string
}

// Act submits a vote and shows its answer (a render.Act of the noun's record).
type Act interface {
	Submit(ctx context.Context, e cmdutil.Env, fn string, args ...string) error
}

// Spec is a noun's side of its votes.
type Spec struct {
	Noun   string // "prefix": the example's command path
	Arg    string // "PREFIX": the argument in Use
	What   string // "a company prefix": named when the argument is missing
	Sample string // an example argument
	Needs  string // appended to every Long ("Needs an admin identity: --user admin.")
	// Check validates the subject before anything is sent (nil: none).
	Check func(subject string) error
	// Act shows the answer of a vote; past is the verb's headline.
	Act func(action, past string) Act
}

// Options of a vote.
type Options struct {
	cmdutil.Env
	Spec    *Spec
	Verb    Verb
	Subject string
}

// NewCmd builds the command for verb; runF replaces Run in tests.
func NewCmd(f *cmdutil.Factory, spec *Spec, verb Verb, runF func(*Options) error) *cobra.Command {
	opts := &Options{Spec: spec, Verb: verb}
	return &cobra.Command{
		Use:     verb.Name + " " + spec.Arg,
		Short:   verb.Short,
		Long:    verb.Long + " " + spec.Needs,
		Example: "  prov " + spec.Noun + " " + verb.Name + " " + spec.Sample + " --profile distributor --user admin",
		Args:    cmdutil.ExactArgs(1, spec.What),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Subject, opts.Env = args[0], f.Env()
			if runF != nil {
				return runF(opts)
			}
			return Run(cmd.Context(), opts)
		},
	}
}

// Run checks the subject and submits the vote.
func Run(ctx context.Context, opts *Options) error {
	if opts.Spec.Check != nil {
		if err := opts.Spec.Check(opts.Subject); err != nil {
			return err
		}
	}
	return opts.Spec.Act(opts.Verb.Name, opts.Verb.Past).Submit(ctx, opts.Env, opts.Verb.Fn, opts.Subject)
}
