#!/bin/bash
# Signed commits (docs/signing.md): a sync with repocast.commit.sign: ssh
# (a key made here, no passphrase) pushes commits `git verify-commit`
# accepts with gpg.ssh.allowedSignersFile; the same with openpgp (a
# throwaway GNUPGHOME); with no sign: key, git's own config decides
# (commit.gpgsign + gpg.format=ssh + user.signingkey in a temporary global
# gitconfig, the key file and the "key::" literal with ssh-agent), all
# under the sync worker's seccomp filter (limits.seccomp: on); a key
# that cannot sign (missing file, a passphrase, an unknown gpg key id)
# fails the target with cause signing and the forge gets no new ref;
# sign: false overrides git's config; `repocast run` signs the same way;
# the report and `repocast diagnose` name the method and the key's
# fingerprint or id, never the key. x509: gpgsm with a self-signed
# certificate in its own GNUPGHOME, verified by git verify-commit too.
source "$(dirname "$0")/sync_lib.bash"
sync_lib_init

for p in ssh-keygen ssh-agent ssh-add gpg gpgsm gpgconf; do
	command -v "$p" >/dev/null ||
	    fail "$p is not installed: the signing test cannot run (apt-get install openssh-client gnupg gpgsm)"
done
forge_start

# Homes: $T/home for repocast with no git config; git config cases get
# their own. The test's own git commands sign nothing (GIT_CONFIG_NOSYSTEM
# and their HOME is not these).
mkdir -p "$T/home" "$T/keys"
ssh-keygen -q -t ed25519 -N '' -C bot@example.com -f "$T/keys/bot" ||
    fail "ssh-keygen could not make a key"
ssh-keygen -q -t ed25519 -N 'a secret phrase' -C locked@example.com -f "$T/keys/locked"
printf 'bot@example.com namespaces="git" %s\n' "$(cut -d' ' -f1,2 "$T/keys/bot.pub")" \
    > "$T/allowed"
FP=$(ssh-keygen -l -E sha256 -f "$T/keys/bot.pub" | awk '{print $2}')
# A line of the private key's body: it must appear in no log or report.
SECRET_LINE=$(sed -n 3p "$T/keys/bot")

export GNUPGHOME=$T/gnupg
mkdir -m 700 "$GNUPGHOME"
lib_at_exit 'gpgconf --kill gpg-agent >/dev/null 2>&1'
gpg --batch --quiet --pinentry-mode loopback --passphrase '' \
    --quick-gen-key 'Sync Bot <bot@example.com>' ed25519 sign never 2>/dev/null ||
    fail "gpg could not make a key"
GPGID=$(gpg --batch --with-colons --list-secret-keys bot@example.com 2>/dev/null | awk -F: '/^fpr/ {print $10; exit}')
[ -n "$GPGID" ] || fail "no gpg key id"

# x509: a self-signed signing certificate, trusted as a root, no CRLs
SM=$T/gpgsm
mkdir -m 700 "$SM"
lib_at_exit 'GNUPGHOME=$SM gpgconf --kill gpg-agent >/dev/null 2>&1'
printf 'disable-crl-checks\n' > "$SM/gpgsm.conf"
printf 'Key-Type: RSA\nKey-Length: 2048\nKey-Usage: sign\nSerial: random\nName-DN: CN=Sync Bot,O=Test\nName-Email: bot@example.com\n' \
    > "$T/x509.parm"
GNUPGHOME=$SM gpgsm --batch --pinentry-mode loopback --passphrase '' --armor \
    --gen-key "$T/x509.parm" > "$T/x509.pem" 2> "$T/x509.err" ||
    { cat "$T/x509.err"; fail "gpgsm could not make a certificate"; }
GNUPGHOME=$SM gpgsm --batch --import "$T/x509.pem" 2> /dev/null
SMID=$(GNUPGHOME=$SM gpgsm --with-colons --list-secret-keys 2>/dev/null | awk -F: '/^fpr/ {print $10; exit}')
[ -n "$SMID" ] || fail "no gpgsm certificate"
printf '%s S relax\n' "$SMID" > "$SM/trustlist.txt"

make_repo acme/source main shared.txt "shared v1"
seed_targets main acme/ssh acme/pgp acme/x509 acme/gitcfg acme/literal acme/missing acme/locked \
    acme/badid acme/off acme/run

# cfg TARGET [COMMIT-LINE]: a config with one target and repocast.commit.
cfg() {
	write_config <<EOF2
version: 1
repocast:
  api_url: http://127.0.0.1:@PORT@/api/v3
  git_url: http://127.0.0.1:@PORT@/git
  api: {write_interval: 0}
  limits: {seccomp: on}
  author: {name: Sync Bot, email: bot@example.com}
${2:+  commit: $2}
groups:
  - name: g
    id: g
    source: {repo: acme/source, branch: main}
    targets:
      - repo: $1
        files: [{src: shared.txt, dest: shared.txt}]
EOF2
}
# sync_as HOME...: sync with that HOME (its .gitconfig is git's global config)
sync_as() {
	local home=$1
	shift
	(cd "$T" && HOME=$home timeout 120 "$RC" sync -c "$T/sync.yaml" --token-file "$T/token" \
	    --report-dir "$T/runs" --no-progress "$@")
}
branch_of() { git -C "$T/forge/$1.git" for-each-ref --format='%(refname:short)' refs/heads/chore/; }
refs_of() { git -C "$T/forge/$1.git" for-each-ref | wc -l; }
# verify REPO [GIT-OPTION...]: every commit of REPO's sync branch not on
# main passes git verify-commit (at least one)
verify() {
	local repo=$1 br c n=0
	shift
	br=$(branch_of "$repo")
	[ -n "$br" ] || fail "$repo: no sync branch"
	for c in $(git -C "$T/forge/$repo.git" rev-list "main..$br"); do
		git -C "$T/forge/$repo.git" "$@" verify-commit "$c" 2> "$T/verify.err" ||
		    { cat "$T/verify.err"; git -C "$T/forge/$repo.git" cat-file commit "$c";
		      fail "$repo: git verify-commit refused $c"; }
		n=$((n + 1))
	done
	[ "$n" -ge 1 ] || fail "$repo: no sync commit to verify"
}
signing_of() { pj 'd["run"]["signing"]' "$(last_report)"; }
cause_of() { pj '[t for t in d["targets"] if t["name"] == "'"$2"'"][0]["cause"]' "$1"; }
error_of() { pj '[t for t in d["targets"] if t["name"] == "'"$2"'"][0]["error"]' "$1"; }
no_secret() {
	! grep -rqF -- "$SECRET_LINE" "$T/runs" || fail "the private key is in a log or report"
}
SSH_OK=(-c gpg.ssh.allowedSignersFile="$T/allowed")

# --- 1. sign: ssh with a key file
cfg acme/ssh "{sign: ssh, key: $T/keys/bot}"
sync_as "$T/home" > "$T/out" 2>&1 || { cat "$T/out"; fail "ssh: sync failed"; }
[ "$(outcome "$(last_report)" acme/ssh)" = pushed ] || fail "ssh: not pushed"
verify acme/ssh "${SSH_OK[@]}"
pjt 'd["run"]["signing"] == {"method": "ssh", "key": "'"$T/keys/bot"'", "fingerprint": "'"$FP"'", "from": "repocast.commit"}' \
    "$(last_report)" || fail "ssh: report's signing: $(signing_of)"
grep -qF "Commits signed with ssh ($FP)." "$(dirname "$(last_report)")/report.md" ||
    { head -5 "$(dirname "$(last_report)")/report.md"; fail "ssh: report.md does not say"; }
no_secret
# again: nothing to commit, the readied signer is never used and the worker
# ends at once
head=$(git -C "$T/forge/acme/ssh.git" rev-parse "$(branch_of acme/ssh)")
sync_as "$T/home" --no-skip > "$T/out" 2>&1 || { cat "$T/out"; fail "ssh: second sync failed"; }
[ "$(outcome "$(last_report)" acme/ssh)" = pending_current ] ||
    fail "ssh: second sync: $(outcome "$(last_report)" acme/ssh)"
pjt '"fetch" in d["targets"][0]["phases_ms"]' "$(last_report)" ||
    fail "ssh: second sync ran no worker (--no-skip)"
[ "$(git -C "$T/forge/acme/ssh.git" rev-parse "$(branch_of acme/ssh)")" = "$head" ] ||
    fail "ssh: second sync pushed"
pjt '[t for t in d["targets"]][0]["wall_us"] < 20000000' "$(last_report)" ||
    fail "ssh: the unused signer held the worker"

# --- 2. sign: openpgp with a key id in a throwaway keyring
cfg acme/pgp "{sign: openpgp, key: $GPGID}"
sync_as "$T/home" > "$T/out" 2>&1 || { cat "$T/out"; fail "openpgp: sync failed"; }
verify acme/pgp
git -C "$T/forge/acme/pgp.git" cat-file commit "$(branch_of acme/pgp)" |
    grep -q '^gpgsig -----BEGIN PGP SIGNATURE-----' || fail "openpgp: no PGP gpgsig header"
pjt 'd["run"]["signing"]["method"] == "openpgp" and d["run"]["signing"]["key"] == "'"$GPGID"'"' \
    "$(last_report)" || fail "openpgp: report's signing: $(signing_of)"

# --- 2b. sign: x509 with gpgsm and the certificate's fingerprint
cfg acme/x509 "{sign: x509, key: $SMID}"
GNUPGHOME=$SM sync_as "$T/home" > "$T/out" 2>&1 || { cat "$T/out"; fail "x509: sync failed"; }
GNUPGHOME=$SM verify acme/x509 -c gpg.format=x509
git -C "$T/forge/acme/x509.git" cat-file commit "$(branch_of acme/x509)" |
    grep -q '^gpgsig -----BEGIN SIGNED MESSAGE-----' || fail "x509: no S/MIME gpgsig header"
pjt 'd["run"]["signing"]["method"] == "x509" and d["run"]["signing"]["key"] == "'"$SMID"'"' \
    "$(last_report)" || fail "x509: report's signing: $(signing_of)"

# --- 3. no sign: key: git's config (commit.gpgsign, gpg.format, user.signingkey)
mkdir -p "$T/gh"
git config --file "$T/gh/.gitconfig" commit.gpgsign true
git config --file "$T/gh/.gitconfig" gpg.format ssh
git config --file "$T/gh/.gitconfig" user.signingkey "$T/keys/bot"
cfg acme/gitcfg
sync_as "$T/gh" > "$T/out" 2>&1 || { cat "$T/out"; fail "git config: sync failed"; }
verify acme/gitcfg "${SSH_OK[@]}"
pjt 'd["run"]["signing"]["from"] == "git config" and d["run"]["signing"]["fingerprint"] == "'"$FP"'"' \
    "$(last_report)" || fail "git config: report's signing: $(signing_of)"
(cd "$T" && HOME=$T/gh "$RC" diagnose -c "$T/sync.yaml" --json > "$T/diag.json" 2> /dev/null) || true
pjt 'd["signing"]["method"] == "ssh" and d["signing"]["fingerprint"] == "'"$FP"'" and d["signing"]["from"] == "git config" and d["signing"]["error"] is None' \
    "$T/diag.json" || fail "diagnose: $(pj 'd["signing"]' "$T/diag.json")"
(cd "$T" && HOME=$T/gh "$RC" diagnose -c "$T/sync.yaml" > "$T/diag.txt" 2>&1) || true
grep -q "^signing:    ssh, key $T/keys/bot ($FP), program ssh-keygen, from git config" \
    "$T/diag.txt" || { cat "$T/diag.txt"; fail "diagnose text: no signing line"; }
! grep -qF -- "$SECRET_LINE" "$T/diag.json" "$T/diag.txt" || fail "diagnose shows the key"

# --- 4. git's "key::" literal: the public key, its private half in ssh-agent (-U)
eval "$(ssh-agent -s -a "$T/agent.sock")" > /dev/null
lib_at_exit "kill $SSH_AGENT_PID 2>/dev/null"
ssh-add -q "$T/keys/bot" 2> /dev/null || fail "ssh-add failed"
mkdir -p "$T/gh2"
git config --file "$T/gh2/.gitconfig" commit.gpgsign true
git config --file "$T/gh2/.gitconfig" gpg.format ssh
git config --file "$T/gh2/.gitconfig" user.signingkey "key::$(cat "$T/keys/bot.pub")"
cfg acme/literal
sync_as "$T/gh2" > "$T/out" 2>&1 || { cat "$T/out"; fail "key:: literal: sync failed"; }
verify acme/literal "${SSH_OK[@]}"
pjt 'd["run"]["signing"]["key"] == "key::ssh-ed25519" and d["run"]["signing"]["fingerprint"] == "'"$FP"'"' \
    "$(last_report)" || fail "key:: literal: report's signing: $(signing_of)"
kill "$SSH_AGENT_PID"
unset SSH_AUTH_SOCK SSH_AGENT_PID

# --- 5. keys that cannot sign: the target fails with cause signing, no new ref
for c in "missing|{sign: ssh, key: $T/keys/nope}|nope" \
    "locked|{sign: ssh, key: $T/keys/locked}|passphrase" \
    "badid|{sign: openpgp, key: 0xDEADBEEFDEADBEEF}|DEADBEEF"; do
	repo=acme/${c%%|*}
	rest=${c#*|}
	line=${rest%|*}
	want=${rest##*|}
	before=$(refs_of $repo)
	cfg $repo "$line"
	set +e
	t0=$(date +%s)
	sync_as "$T/home" > "$T/out" 2>&1
	rc=$?
	set -e
	[ "$rc" -eq 1 ] || { cat "$T/out"; fail "$repo: exit $rc, want 1"; }
	[ $(($(date +%s) - t0)) -lt 60 ] || fail "$repo: signing waited for a prompt"
	R=$(last_report)
	[ "$(cause_of "$R" $repo)" = signing ] || fail "$repo: cause $(cause_of "$R" $repo)"
	error_of "$R" $repo | grep -qi -- "$want" ||
	    fail "$repo: the error does not say why: $(error_of "$R" $repo)"
	error_of "$R" $repo | grep -q '^cannot sign the commit' ||
	    fail "$repo: error: $(error_of "$R" $repo)"
	[ "$(refs_of $repo)" -eq "$before" ] || fail "$repo: the forge got a new ref"
	[ "$(api /repos/$repo/pulls | pj 'len(d)')" -eq 0 ] || fail "$repo: a PR was opened"
	pjt 'd["run"]["signing"] is not None' "$R" || fail "$repo: no signing in the report"
done
no_secret

# --- 6. sign: false overrides git's commit.gpgsign
cfg acme/off "{sign: false}"
sync_as "$T/gh" > "$T/out" 2>&1 || { cat "$T/out"; fail "sign false: sync failed"; }
c=$(git -C "$T/forge/acme/off.git" rev-parse "$(branch_of acme/off)")
! git -C "$T/forge/acme/off.git" cat-file commit "$c" | grep -q '^gpgsig' ||
    fail "sign: false: the commit is signed"
pjt 'd["run"]["signing"] is None' "$(last_report)" || fail "sign false: $(signing_of)"

# --- 7. repocast run signs its commits the same way (git config here)
printf 'acme/run\n' > "$T/repos"
(cd "$T" && HOME=$T/gh timeout 120 "$RC" run --repos "$T/repos" --token-file "$T/token" \
    --report-dir "$T/runs-run" --git-url "http://127.0.0.1:$PORT/git" \
    --api-url "http://127.0.0.1:$PORT/api/v3" --no-progress --retries 0 \
    --branch repocast/run-sign -- sh -c 'echo changed >> README.md') > "$T/out" 2>&1 ||
    { cat "$T/out"; fail "run: failed"; }
c=$(git -C "$T/forge/acme/run.git" rev-parse repocast/run-sign)
git -C "$T/forge/acme/run.git" "${SSH_OK[@]}" verify-commit "$c" 2> "$T/verify.err" ||
    { cat "$T/verify.err"; fail "run: git verify-commit refused the run's commit"; }
pjt 'd["run"]["signing"]["method"] == "ssh"' "$(ls "$T"/runs-run/*/report.json)" ||
    fail "run: report's signing"

# --- 8. settings: x509 is accepted; ssh with no key anywhere is the config's error
cfg acme/ssh "{sign: x509, key: 0x12345678}"
(cd "$T" && HOME=$T/home "$RC" validate -c "$T/sync.yaml" > /dev/null 2>&1) ||
    fail "validate refused sign: x509"
cfg acme/ssh "{sign: bogus}"
set +e
(cd "$T" && HOME=$T/home "$RC" validate -c "$T/sync.yaml") > "$T/out" 2>&1
rc=$?
set -e
[ "$rc" -eq 2 ] || fail "sign: bogus: exit $rc, want 2"
grep -q 'sync.yaml:[0-9]*:[0-9]*: .*repocast.commit.sign.*expected ssh, openpgp, x509 or false' \
    "$T/out" || { cat "$T/out"; fail "sign: bogus: no file:line:col error"; }
cfg acme/ssh "{sign: ssh}"
set +e
sync_as "$T/home" > "$T/out" 2>&1
rc=$?
set -e
[ "$rc" -eq 2 ] || { cat "$T/out"; fail "sign: ssh without a key: exit $rc, want 2"; }
grep -q 'signing with ssh needs a key' "$T/out" || { cat "$T/out"; fail "no key: message"; }
fsck_all
echo "sync_sign: ok"
