#!/usr/bin/env bash
# The README's worked config example must stay valid: extract the first
# ```yaml block and run `repocast validate` on it.
set -euo pipefail
. "$(dirname "$0")/lib.bash"
lib_init repocast-readme
python3 - "$T/sync.yaml" <<'PY'
import re, sys
text = open("README.md").read()
m = re.search(r"```yaml\n(.*?)```", text, re.S)
if not m:
    sys.exit("README.md has no ```yaml block")
open(sys.argv[1], "w").write(m.group(1))
PY
out=$("$RC" validate -c "$T/sync.yaml")
echo "$out"
grep -q 'valid (version 1, 1 group, 2 targets' <<<"$out"
grep -q 'acme/billing' <<<"$out"
grep -q '4 mappings: 2 files, 1 directory, 1 deletion' <<<"$out"
