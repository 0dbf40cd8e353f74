package main

// provnet config-update: the channel configuration update that adds an
// application organization to the channel or removes one, computed the way
// Fabric's own tutorials do it (configtxlator decodes the current config
// block, the organization's group is added or deleted, configtxlator computes
// the update) and wrapped in an unsigned CONFIG_UPDATE envelope. The network
// script then collects the admins' signatures (peer channel signconfigtx) and
// submits it (peer channel update).
//
//	provnet config-update -configtxlator BIN -channel CH -block CONFIG_BLOCK.pb \
//	    (-add-org ORG.json -msp MSPID | -remove-org MSPID) -out UPDATE_ENVELOPE.pb

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
)

func configUpdateMain(args []string) int {
	fs := flag.NewFlagSet("config-update", flag.ContinueOnError)
	bin := fs.String("configtxlator", "configtxlator", "configtxlator binary")
	channel := fs.String("channel", "", "channel ID")
	block := fs.String("block", "", "the channel's current config block (protobuf)")
	addOrg := fs.String("add-org", "", "the organization's group as configtxgen -printOrg prints it (JSON)")
	msp := fs.String("msp", "", "MSP ID of the organization to add")
	removeOrg := fs.String("remove-org", "", "MSP ID of the organization to remove")
	out := fs.String("out", "", "where to write the update envelope (protobuf)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *channel == "" || *block == "" || *out == "" || (*addOrg == "") == (*removeOrg == "") || (*addOrg != "" && *msp == "") {
		fmt.Fprintln(os.Stderr, "usage: provnet config-update -configtxlator BIN -channel CH -block CONFIG_BLOCK.pb (-add-org ORG.json -msp MSPID | -remove-org MSPID) -out UPDATE.pb")
		return 2
	}
	u := &updater{bin: *bin, channel: *channel}
	var err error
	if u.dir, err = os.MkdirTemp("", "provnet-config-update-"); err != nil {
		fmt.Fprintln(os.Stderr, "provnet:", err)
		return 1
	}
	defer os.RemoveAll(u.dir)
	if err := u.run(*block, *addOrg, *msp, *removeOrg, *out); err != nil {
		fmt.Fprintln(os.Stderr, "provnet: config update:", err)
		return 1
	}
	return 0
}

type updater struct {
	bin, channel, dir string
}

// lator runs configtxlator with args.
func (u *updater) lator(args ...string) error {
	cmd := exec.Command(u.bin, args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("configtxlator %s: %v: %s", args[0], err, bytes.TrimSpace(stderr.Bytes()))
	}
	return nil
}

func (u *updater) path(name string) string { return filepath.Join(u.dir, name) }

func (u *updater) run(block, addOrg, msp, removeOrg, out string) error {
	if err := u.lator("proto_decode", "--type", "common.Block", "--input", block, "--output", u.path("block.json")); err != nil {
		return err
	}
	var b map[string]any
	if err := readJSON(u.path("block.json"), &b); err != nil {
		return err
	}
	config, err := dig(b, "data", "data", 0, "payload", "data", "config")
	if err != nil {
		return fmt.Errorf("config block: %w", err)
	}
	original, err := json.Marshal(config)
	if err != nil {
		return err
	}
	var updated map[string]any
	if err := json.Unmarshal(original, &updated); err != nil {
		return err
	}
	orgs, err := dig(updated, "channel_group", "groups", "Application", "groups")
	if err != nil {
		return fmt.Errorf("config has no application organizations: %w", err)
	}
	groups := orgs.(map[string]any)
	switch {
	case addOrg != "":
		if _, ok := groups[msp]; ok {
			return fmt.Errorf("%s is already an organization of channel %s", msp, u.channel)
		}
		var g any
		if err := readJSON(addOrg, &g); err != nil {
			return err
		}
		groups[msp] = g
	default:
		if _, ok := groups[removeOrg]; !ok {
			return fmt.Errorf("%s is not an organization of channel %s", removeOrg, u.channel)
		}
		delete(groups, removeOrg)
	}
	if err := os.WriteFile(u.path("original.json"), original, 0o600); err != nil {
		return err
	}
	if err := writeJSON(u.path("updated.json"), updated); err != nil {
		return err
	}
	for _, n := range []string{"original", "updated"} {
		if err := u.lator("proto_encode", "--type", "common.Config", "--input", u.path(n+".json"), "--output", u.path(n+".pb")); err != nil {
			return err
		}
	}
	if err := u.lator("compute_update", "--channel_id", u.channel, "--original", u.path("original.pb"),
		"--updated", u.path("updated.pb"), "--output", u.path("update.pb")); err != nil {
		return err
	}
	if err := u.lator("proto_decode", "--type", "common.ConfigUpdate", "--input", u.path("update.pb"), "--output", u.path("update.json")); err != nil {
		return err
	}
	var update any
	if err := readJSON(u.path("update.json"), &update); err != nil {
		return err
	}
	env := map[string]any{"payload": map[string]any{
		"header": map[string]any{"channel_header": map[string]any{"channel_id": u.channel, "type": 2}},
		"data":   map[string]any{"config_update": update},
	}}
	if err := writeJSON(u.path("envelope.json"), env); err != nil {
		return err
	}
	return u.lator("proto_encode", "--type", "common.Envelope", "--input", u.path("envelope.json"), "--output", out)
}

// dig walks decoded JSON by object keys and array indexes.
func dig(v any, path ...any) (any, error) {
	for _, p := range path {
		switch k := p.(type) {
		case string:
			m, ok := v.(map[string]any)
			if !ok || m[k] == nil {
				return nil, fmt.Errorf("no %q", k)
			}
			v = m[k]
		case int:
			a, ok := v.([]any)
			if !ok || len(a) <= k {
				return nil, fmt.Errorf("no element %d", k)
			}
			v = a[k]
		default:
			return nil, errors.New("bad path")
		}
	}
	return v, nil
}

func readJSON(path string, v any) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}

func writeJSON(path string, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return os.WriteFile(path, b, 0o600)
}
