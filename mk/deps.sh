#!/bin/sh
# Install the Debian packages repocast needs to build, test and demo.
# Idempotent: asks dpkg first and touches apt only when something is missing.
# Usage: sh mk/deps.sh [extra-package ...]
set -u

PKGS="gcc make pkg-config libgit2-dev libmsgpack-dev libyaml-dev libcurl4-openssl-dev
libjansson-dev zlib1g-dev libssl-dev check git curl python3 clang valgrind chromium tmux man-db
zsh python3-yaml python3-cryptography openssh-client gnupg gpgsm linux-perf"
PKGS="$PKGS $*"

missing=""
for p in $PKGS; do
	st=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null)
	case "$st" in
	*"install ok installed"*) ;;
	*) missing="$missing $p" ;;
	esac
done
[ -z "$missing" ] && exit 0

echo "deps: installing missing Debian packages:$missing"
if [ "$(id -u)" -eq 0 ]; then
	SUDO=""
elif command -v sudo >/dev/null 2>&1; then
	SUDO="sudo"
else
	echo "deps: error: packages missing and not root (no sudo):$missing" >&2
	echo "deps: install them with: apt-get install$missing" >&2
	exit 1
fi

export DEBIAN_FRONTEND=noninteractive
# DEPS_NO_UPDATE=1 skips 'apt-get update' (the tests use it).
if [ "${DEPS_NO_UPDATE:-0}" != 1 ] && ! $SUDO apt-get update -qq >/dev/null 2>&1; then
	echo "deps: warning: 'apt-get update' failed; trying the package lists we have" >&2
fi
# One by one, so the message names the package that could not be had.
failed=""
for p in $missing; do
	if ! $SUDO apt-get install -y -qq --no-install-recommends "$p" >/tmp/repocast-deps.$$ 2>&1; then
		echo "deps: error: cannot install Debian package '$p':" >&2
		tail -n 3 /tmp/repocast-deps.$$ | sed 's/^/deps:   /' >&2
		failed="$failed $p"
	fi
done
rm -f /tmp/repocast-deps.$$
if [ -n "$failed" ]; then
	echo "deps: error: could not install:$failed" >&2
	exit 1
fi
echo "deps: done"
