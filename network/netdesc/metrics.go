package netdesc

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Sample is one line of Prometheus's text exposition format.
type Sample struct {
	Name   string
	Labels map[string]string
	Value  float64
}

// ParseMetrics reads Prometheus text format (version 0.0.4): comments and
// blank lines are skipped; a sample line is `name{label="value",...} value
// [timestamp]`, label values with \\, \" and \n escapes.
func ParseMetrics(r io.Reader) ([]Sample, error) {
	var out []Sample
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	n := 0
	for sc.Scan() {
		n++
		line := strings.TrimSpace(sc.Text())
		if line == "" || line[0] == '#' {
			continue
		}
		s, err := parseSample(line)
		if err != nil {
			return nil, fmt.Errorf("metrics line %d: %w", n, err)
		}
		out = append(out, s)
	}
	return out, sc.Err()
}

func parseSample(line string) (Sample, error) {
	s := Sample{Labels: map[string]string{}}
	i := strings.IndexAny(line, "{ \t")
	if i <= 0 {
		return s, fmt.Errorf("%q: no value", line)
	}
	s.Name, line = line[:i], line[i:]
	if line[0] == '{' {
		line = line[1:]
		for {
			line = strings.TrimLeft(line, " \t,")
			if strings.HasPrefix(line, "}") {
				line = line[1:]
				break
			}
			eq := strings.IndexByte(line, '=')
			if eq <= 0 || eq+1 >= len(line) || line[eq+1] != '"' {
				return s, fmt.Errorf("metric %s: malformed labels", s.Name)
			}
			key := strings.TrimSpace(line[:eq])
			val, rest, err := unquoteLabel(line[eq+2:])
			if err != nil {
				return s, fmt.Errorf("metric %s label %s: %w", s.Name, key, err)
			}
			s.Labels[key], line = val, rest
		}
	}
	f := strings.Fields(line)
	if len(f) == 0 || len(f) > 2 {
		return s, fmt.Errorf("metric %s: want a value and an optional timestamp, got %q", s.Name, line)
	}
	v, err := strconv.ParseFloat(f[0], 64)
	if err != nil {
		return s, fmt.Errorf("metric %s: value %q: %w", s.Name, f[0], err)
	}
	s.Value = v
	return s, nil
}

// unquoteLabel reads an escaped label value up to its closing quote.
func unquoteLabel(s string) (val, rest string, err error) {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '"':
			return b.String(), s[i+1:], nil
		case '\\':
			if i+1 == len(s) {
				return "", "", errors.New("unterminated escape")
			}
			i++
			switch s[i] {
			case 'n':
				b.WriteByte('\n')
			case '\\', '"':
				b.WriteByte(s[i])
			default:
				return "", "", fmt.Errorf("unknown escape \\%c", s[i])
			}
		default:
			b.WriteByte(c)
		}
	}
	return "", "", errors.New("unterminated value")
}

// Scrape reads the metrics of the operations endpoint at host:port.
func Scrape(ctx context.Context, addr string) ([]Sample, error) {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+addr+"/metrics", nil)
	if err != nil {
		return nil, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("metrics of %s: %w", addr, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("metrics of %s: %s", addr, resp.Status)
	}
	return ParseMetrics(resp.Body)
}

// Find returns the value of the first sample named name whose labels include
// every label in want.
func Find(samples []Sample, name string, want map[string]string) (float64, bool) {
next:
	for _, s := range samples {
		if s.Name != name {
			continue
		}
		for k, v := range want {
			if s.Labels[k] != v {
				continue next
			}
		}
		return s.Value, true
	}
	return 0, false
}

// Metric reads one metric from the operations endpoint at host:port.
func Metric(ctx context.Context, addr, name string, labels map[string]string) (float64, error) {
	s, err := Scrape(ctx, addr)
	if err != nil {
		return 0, err
	}
	v, ok := Find(s, name, labels)
	if !ok {
		return 0, fmt.Errorf("metrics of %s: no %s with labels %v", addr, name, labels)
	}
	return v, nil
}

// OperationsAddr is host:port of the node's operations endpoint.
func (nd *Node) OperationsAddr() (string, error) {
	port, ok := nd.Ports["operations"]
	if !ok {
		return "", fmt.Errorf("%s has no operations port", nd.Name)
	}
	return nd.Host() + ":" + strconv.Itoa(port), nil
}

// ChannelMetric reads one gauge for the network's channel from a node's
// operations endpoint.
func (n *Network) ChannelMetric(ctx context.Context, nd *Node, name string) (float64, error) {
	addr, err := nd.OperationsAddr()
	if err != nil {
		return 0, err
	}
	v, err := Metric(ctx, addr, name, map[string]string{"channel": n.Channel})
	if err != nil {
		return 0, fmt.Errorf("%s: %w", nd.Name, err)
	}
	return v, nil
}

// Height returns the channel's block height on an orderer or peer
// (ledger_blockchain_height).
func (n *Network) Height(ctx context.Context, nd *Node) (uint64, error) {
	v, err := n.ChannelMetric(ctx, nd, "ledger_blockchain_height")
	return uint64(v), err
}

// WaitHeight waits until every node reports at least height min.
func (n *Network) WaitHeight(ctx context.Context, min uint64, nodes ...*Node) error {
	for _, nd := range nodes {
		for {
			h, err := n.Height(ctx, nd)
			if err == nil && h >= min {
				break
			}
			select {
			case <-ctx.Done():
				return fmt.Errorf("%s did not reach height %d (at %d, %v): %w", nd.Name, min, h, err, ctx.Err())
			case <-time.After(100 * time.Millisecond):
			}
		}
	}
	return nil
}

// LeaderMetric is the gauge by which an ordering node of consensus type
// consensus (bft, raft) says it leads a channel.
func LeaderMetric(consensus string) string {
	if consensus == "raft" {
		return "consensus_etcdraft_is_leader"
	}
	return "consensus_BFT_is_leader"
}

// Leader returns the ordering node that currently leads the channel.
func (n *Network) Leader(ctx context.Context) (*Node, error) {
	for _, nd := range n.Nodes("orderer") {
		if v, err := n.ChannelMetric(ctx, nd, LeaderMetric(n.Consensus)); err == nil && v == 1 {
			return nd, nil
		}
	}
	return nil, errors.New("no ordering node reports itself leader")
}

// WaitSameHeight waits until every node reports the same channel height
// and returns it; on timeout the error lists the heights last seen.
func (n *Network) WaitSameHeight(ctx context.Context, nodes ...*Node) (uint64, error) {
	if len(nodes) == 0 {
		return 0, errors.New("no nodes to compare")
	}
	for {
		seen := make([]string, len(nodes))
		var first uint64
		same := true
		for i, nd := range nodes {
			h, err := n.Height(ctx, nd)
			if err != nil {
				seen[i], same = nd.Name+" ?", false
				continue
			}
			seen[i] = fmt.Sprintf("%s %d", nd.Name, h)
			if i == 0 {
				first = h
			} else if h != first {
				same = false
			}
		}
		if same {
			return first, nil
		}
		select {
		case <-ctx.Done():
			return 0, fmt.Errorf("heights differ: %s", strings.Join(seen, ", "))
		case <-time.After(100 * time.Millisecond):
		}
	}
}
