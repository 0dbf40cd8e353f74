package cmdutil

import (
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"
)

// ExactArgs requires n positional arguments, described by what.
func ExactArgs(n int, what string) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) != n {
			if len(args) < n {
				return Usagef("missing %s", what)
			}
			return Usagef("too many arguments: want %s", what)
		}
		return nil
	}
}

// MinArgs requires at least n positional arguments.
func MinArgs(n int, what string) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) < n {
			return Usagef("missing %s", what)
		}
		return nil
	}
}

// RangeArgs allows min to max positional arguments.
func RangeArgs(min, max int, what string) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) < min {
			return Usagef("missing %s", what)
		}
		if len(args) > max {
			return Usagef("too many arguments: want %s", what)
		}
		return nil
	}
}

// NoArgs refuses positional arguments.
func NoArgs(cmd *cobra.Command, args []string) error {
	if len(args) > 0 {
		return Usagef("unexpected argument %q", args[0])
	}
	return nil
}

// Required reports a missing required flag as a usage error.
func Required(flag, value string) error {
	if value == "" {
		return Usagef("--%s is required", flag)
	}
	return nil
}

// FixedCompletion completes a flag from a fixed list.
func FixedCompletion(values ...string) func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
	return func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		return values, cobra.ShellCompDirectiveNoFileComp
	}
}

// GroupRunE makes a command group (item, transfer, ...) print its help when
// called bare, and call an unknown subcommand a usage error (cobra only
// does that for the root).
func GroupRunE(cmd *cobra.Command, args []string) error {
	if len(args) > 0 {
		msg := fmt.Sprintf("unknown command %q for %q", args[0], cmd.CommandPath())
		if cmd.SuggestionsMinimumDistance <= 0 {
			cmd.SuggestionsMinimumDistance = 2 // cobra's default, set only on the root's own path
		}
		if s := cmd.SuggestionsFor(args[0]); len(s) > 0 {
			msg += "\n\nDid you mean this?\n\t" + strings.Join(s, "\n\t")
		}
		return &UsageError{Err: errors.New(msg)}
	}
	return cmd.Help()
}
