package cmdutil

import (
	"bytes"
	"errors"
	"fmt"
	"testing"

	"github.com/provledger/provenance/chaincode/domain"
)

func TestExitCode(t *testing.T) {
	tests := []struct {
		err  error
		want int
	}{
		{nil, 0},
		{errors.New("NOT_OWNER: x"), 1},
		{Usagef("missing x"), 2},
		{errors.New(`unknown command "x" for "prov"`), 2},
		{errors.New("unknown flag: --x"), 2},
		{errors.New("required flag(s) \"to\" not set"), 2},
		{fmt.Errorf("wrapped: %w", ErrVerifyFailed), 3},
		{&SilentError{Code: 1}, 1},
		{domain.Errorf(domain.CodeInvalidID, "bad"), 1},
	}
	for _, tt := range tests {
		if got := ExitCode(tt.err); got != tt.want {
			t.Errorf("ExitCode(%v) = %d, want %d", tt.err, got, tt.want)
		}
	}
}

func TestTableAndKV(t *testing.T) {
	var b bytes.Buffer
	tb := NewTable(&b, "id", "status")
	tb.Row("01/1/21/a", "ACTIVE")
	tb.Row("01/1/21/bb", "")
	tb.Flush()
	want := "ID          STATUS\n01/1/21/a   ACTIVE\n01/1/21/bb  -\n"
	if b.String() != want {
		t.Errorf("table:\n%q\nwant\n%q", b.String(), want)
	}
	b.Reset()
	KV(&b, "A", "1", "Empty", "", "Longer", "2")
	if b.String() != "A:      1\nLonger: 2\n" {
		t.Errorf("kv %q", b.String())
	}
	b.Reset()
	PrintJSON(&b, map[string]any{"b": 1, "a": "<x>"})
	if b.String() != "{\n  \"a\": \"<x>\",\n  \"b\": 1\n}\n" {
		t.Errorf("json %q", b.String())
	}
}

func TestCheckFormat(t *testing.T) {
	if CheckFormat("json") != nil || CheckFormat("table") != nil || ExitCode(CheckFormat("yaml")) != ExitUsage {
		t.Error("CheckFormat")
	}
}

func TestCanonicalIDs(t *testing.T) {
	got, err := CanonicalIDs([]string{"https://id.gs1.org/01/09506000134352/21/ABC", "01/09506000134352/21/XYZ"})
	if err != nil || fmt.Sprint(got) != "[01/09506000134352/21/ABC 01/09506000134352/21/XYZ]" {
		t.Errorf("CanonicalIDs = %v, %v", got, err)
	}
	_, err = CanonicalIDs([]string{"01/09506000134353/21/ABC"})
	if domain.CodeOf(err) != domain.CodeInvalidID {
		t.Errorf("bad check digit: %v", err)
	}
}

func TestBookmark(t *testing.T) {
	raw := "gtin~item\x0009506000134352\x00L1\x00C\x00"
	enc := EncodeBookmark(raw)
	if enc == raw || DecodeBookmark(enc) != raw || EncodeBookmark("") != "" {
		t.Errorf("round trip: %q -> %q -> %q", raw, enc, DecodeBookmark(enc))
	}
	if DecodeBookmark("owner~item") != "owner~item" {
		t.Error("a raw bookmark passes through")
	}
}
