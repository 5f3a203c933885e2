# Helpers for the GitHub App integration tests, sync_app.sh and run_app.sh
# (sourced after sync_lib.bash and forge_start, never run on its own).
#   genkey NAME     an RSA key pair, $T/NAME.pem (0600) and $T/NAME.pub
#   app_json TTL    the forge's App (id 4242, key $T/app.pub) with
#                   installations on acme (1001) and beta (1002, a user);
#                   its installation tokens live TTL seconds
#   mark            the forge's request log's length now
#   since N         the log's entries after line N, as a JSON array
#   no_secrets FILE...  fail when a key, a JWT or a token is in one
python3 -c 'import cryptography' 2>/dev/null ||
    fail "python3-cryptography is missing (sh mk/deps.sh installs it): cannot run"

genkey() {
	python3 - "$T/$1" <<'PY'
import os, sys
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
k = rsa.generate_private_key(public_exponent=65537, key_size=2048)
fd = os.open(sys.argv[1] + ".pem", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
os.write(fd, k.private_bytes(serialization.Encoding.PEM,
         serialization.PrivateFormat.TraditionalOpenSSL, serialization.NoEncryption()))
os.close(fd)
open(sys.argv[1] + ".pub", "wb").write(k.public_key().public_bytes(
    serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo))
PY
}

app_json() {
	python3 - "$T" "$1" <<'PY'
import json, sys
t, ttl = sys.argv[1], int(sys.argv[2])
json.dump({"id": 4242, "slug": "repocast-test", "public_key_file": t + "/app.pub",
           "token_ttl": ttl,
           "installations": [{"id": 1001, "account": "acme"},
                             {"id": 1002, "account": "beta", "type": "User"}]},
          open(t + "/forge/.forge/app.json.tmp", "w"))
PY
	mv "$T/forge/.forge/app.json.tmp" "$T/forge/.forge/app.json"
}

mark() { wc -l < "$T/forge/.forge/requests.log"; }

since() {
	tail -n +"$(($1 + 1))" "$T/forge/.forge/requests.log" | python3 -c 'import json,sys
print(json.dumps([json.loads(l) for l in sys.stdin]))'
}

no_secrets() {
	local f
	for f in "$@"; do
		! grep -aq -e 'PRIVATE KEY' -e 'ghs_' -e 'eyJ' "$f" ||
		    fail "a secret in $f: $(grep -a -e 'PRIVATE KEY' -e 'ghs_' -e 'eyJ' "$f" | head -3)"
	done
}
