#!/usr/bin/env bash
# mk/deps.sh: a no-op when everything is installed, and a clear error naming
# the package when one cannot be installed.
set -euo pipefail
out=$(sh mk/deps.sh 2>&1)
[ -z "$out" ] || { echo "expected silence when all is installed, got: $out"; exit 1; }

if [ "$(id -u)" -ne 0 ] && ! command -v sudo >/dev/null; then
	set +e
	out=$(sh mk/deps.sh repocast-no-such-package 2>&1)
	rc=$?
	set -e
	[ "$rc" -eq 1 ]
	grep -q "packages missing and not root (no sudo): repocast-no-such-package" <<<"$out"
	exit 0
fi
set +e
out=$(DEPS_NO_UPDATE=1 sh mk/deps.sh repocast-no-such-package 2>&1)
rc=$?
set -e
echo "$out"
[ "$rc" -eq 1 ]
grep -q "deps: installing missing Debian packages: repocast-no-such-package" <<<"$out"
grep -q "deps: error: cannot install Debian package 'repocast-no-such-package'" <<<"$out"
grep -q "deps: error: could not install: repocast-no-such-package" <<<"$out"
