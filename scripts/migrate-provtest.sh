#!/usr/bin/env bash
# One-off for the merge of issue 18 (delete once no branch imports test/e2e/provtest):
# converts test packages from test/e2e/provtest to test/harness. Usage, at the repo root:
#   scripts/migrate-provtest.sh test/bulk test/epcis ...
set -euo pipefail
files=$(grep -rl 'provtest' "$@" --include=*.go || true)
[ -n "$files" ] || exit 0
sed -i -E 's/provtest\.Org\b/harness.PeerOrg/g; s/provtest\.RepoRoot\(\)/pn.Net.Repo/g; s/provtest\./harness./g; /"github.com\/provledger\/provenance\/test\/e2e\/provtest"/d; s/\.Contract\.(NewProposal|SubmitAsync|Submit|Evaluate|EvaluateTransaction|SubmitTransaction)\(/.Contract().\1(/g' $files
for f in $files; do
  grep -q '"github.com/provledger/provenance/test/harness"' "$f" && continue
  python3 - "$f" <<'PY'
import sys
f=sys.argv[1]; s=open(f).read()
i=s.index('import ('); j=s.index('\n)\n',i)
lines=s[i:j].split('\n')
own=[k for k,l in enumerate(lines) if 'github.com/provledger/provenance/' in l]
imp='\t"github.com/provledger/provenance/test/harness"'
if own: lines.insert(own[-1]+1,imp)
else: lines+=['',imp]
open(f,'w').write(s[:i]+'\n'.join(lines)+s[j:])
PY
done
gofmt -w $files
