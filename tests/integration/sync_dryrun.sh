#!/bin/bash
# --dry-run reads only: outcome, diffstat and (--diff) the unified diff are
# printed; every repository and the forge's state stay byte-identical and
# the forge sees no write (request log).
source "$(dirname "$0")/sync_lib.bash"
sync_lib_init
forge_start

make_repo acme/source main a.txt $'line 1\nline 2' n.txt new
for n in one two; do
	make_repo acme/$n main a.txt $'line 1\nold line'
done

write_config <<'EOF2'
version: 1
repocast:
  api_url: http://127.0.0.1:@PORT@/api/v3
  api: {write_interval: 0}   # a loopback forge has no secondary limits: say so
  git_url: http://127.0.0.1:@PORT@/git
groups:
  - name: g
    id: g
    source: {repo: acme/source, branch: main}
    targets:
      - repo: acme/one
        files: [{src: a.txt, dest: a.txt}, {src: n.txt, dest: n.txt}]
      - repo: acme/two
        files: [{src: a.txt, dest: a.txt}]
EOF2

# one real run for acme/one so a PR exists; then change the source
rsync_run acme/one > "$T/out" 2>&1 || { cat "$T/out"; fail "first run failed"; }
printf 'line 1\nline 2\nline 3\n' > "$T/w/source/a.txt"
push_work acme/source main

# the cache may change (fetches); the forge must not
forge_state() {
	(cd "$T/forge" && find . -path ./.forge/requests.log -prune -o -type f -print0 |
	    LC_ALL=C sort -z | xargs -0 sha1sum) | sha1sum
}
before=$(forge_state)
l=$(wc -l < "$T/forge/.forge/requests.log")
rsync_run --dry-run --diff > "$T/out" 2> "$T/err" || { cat "$T/out" "$T/err"; fail "dry run failed"; }
cat "$T/out"
after=$(forge_state)
[ "$before" = "$after" ] || fail "the forge changed during a dry run"
tail -n +"$((l + 1))" "$T/forge/.forge/requests.log" > "$T/slice"
w=$(writes_in "$T/slice")
[ -z "$w" ] || fail "writes during a dry run: $w"
[ -s "$T/slice" ] || fail "the dry run did not read anything"
rep=$(last_report)
[ "$(outcome "$rep" acme/one)" = dry_run ] || fail "one: $(outcome "$rep" acme/one)"
[ "$(outcome "$rep" acme/two)" = dry_run ] || fail "two: $(outcome "$rep" acme/two)"
grep -q "^== acme/two: would push" "$T/out" || fail "no outcome line"
grep -q "a.txt | 3 ++-" "$T/out" || fail "no diffstat"
grep -q "^-old line$" "$T/out" || fail "no diff"
grep -q "^+line 2$" "$T/out" || fail "no diff"
grep -q "^+line 3$" "$T/out" || fail "no diff for one"
# without --diff: the diffstat but no patch
rsync_run --dry-run acme/two > "$T/out2" 2>&1 || fail "dry run 2"
grep -q "a.txt | 3 ++-" "$T/out2" || fail "no diffstat without --diff"
grep -q "^-old line$" "$T/out2" && fail "diff printed without --diff"
[ "$before" = "$(forge_state)" ] || fail "the forge changed during dry run 2"
# --diff alone is a usage error
set +e
rsync_run --diff > "$T/out3" 2>&1
rc=$?
set -e
[ "$rc" -eq 2 ] || fail "--diff without --dry-run: exit $rc"
grep -q "diff needs --dry-run" "$T/out3" || fail "--diff message"
echo ok
