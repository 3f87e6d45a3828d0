"""GitHub App authentication for the stand-in: the App's RS256 JWT, its installations, and
installation tokens that every other route accepts (through `registry.TOKEN_CHECKS`) for the
installation's repositories until they expire. Stdlib only: the JWT's signature is checked with
`pow(signature, e, n)` against the PKCS#1 v1.5 encoding of its SHA-256.

Configure with `POST /_standin/app {"app_id", "public_key_pem", "installations": {"11": ["acme/webapp"]},
"token_lifetime": 3600, "slug": "prenv"}`. See README.md, "GitHub App".
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import secrets
import time
from datetime import datetime, timezone

import registry

DOCS = "https://docs.github.com/rest/apps/apps"
JWT_UNDECODABLE = "A JSON web token could not be decoded"
EXP_TOO_FAR = "'Expiration time' claim ('exp') is too far in the future"
EXP_PAST = "'Expiration time' claim ('exp') must be a numeric value representing the future time at which the assertion expires"
IAT_FUTURE = "'Issued at' claim ('iat') must be an Integer representing the time that the assertion was issued"
ISS_WRONG = "'Issuer' claim ('iss') must be an Integer"
MAX_JWT_LIFETIME = 600  # GitHub: exp at most 10 minutes after iat
# SHA-256's DigestInfo prefix (RFC 8017 9.2, note 1).
SHA256_PREFIX = bytes.fromhex("3031300d060960864801650304020105000420")
REPO_PATH = re.compile(r"^/repos/([^/]+)/([^/]+)(/|$)")


def reset(state) -> None:
    state.app = None            # {"id", "slug", "n", "e", "token_lifetime"}
    state.installations = {}    # id (int) -> {"repositories": [lowercased owner/name], "account": str, "removed": bool}
    state.app_tokens = {}       # token -> {"installation": id, "expires_at": epoch seconds}
    state.token_requests = {}   # installation id (str) -> POST access_tokens requests answered 201
    state.jwt_rejections = 0
    state.installation_writes = 0   # POST/PATCH/PUT/DELETE requests accepted with an installation token


registry.RESET_HOOKS.append(reset)


# MARK: DER and the public key

def _der(data: bytes, offset: int) -> tuple[int, bytes, int]:
    """One DER element at `offset`: (tag, contents, offset after it)."""
    tag = data[offset]
    length = data[offset + 1]
    offset += 2
    if length & 0x80:
        count = length & 0x7F
        length = int.from_bytes(data[offset:offset + count], "big")
        offset += count
    return tag, data[offset:offset + length], offset + length


def _rsa_public_numbers(sequence: bytes) -> tuple[int, int]:
    """RSAPublicKey ::= SEQUENCE { modulus INTEGER, publicExponent INTEGER } (contents of the SEQUENCE)."""
    tag, n, after = _der(sequence, 0)
    tag_e, e, _ = _der(sequence, after)
    if tag != 0x02 or tag_e != 0x02:
        raise ValueError("not an RSAPublicKey")
    return int.from_bytes(n, "big"), int.from_bytes(e, "big")


def public_numbers(pem: str) -> tuple[int, int]:
    """(n, e) from a `BEGIN PUBLIC KEY` (SubjectPublicKeyInfo) or `BEGIN RSA PUBLIC KEY` (PKCS#1) PEM."""
    match = re.search(r"-----BEGIN ([A-Z ]+)-----(.*?)-----END \1-----", pem, re.S)
    if not match:
        raise ValueError("public_key_pem is not PEM")
    der = base64.b64decode("".join(match.group(2).split()))
    tag, body, _ = _der(der, 0)
    if tag != 0x30:
        raise ValueError("not a DER SEQUENCE")
    if match.group(1) == "RSA PUBLIC KEY":
        return _rsa_public_numbers(body)
    if match.group(1) != "PUBLIC KEY":
        raise ValueError(f"unsupported PEM type {match.group(1)}")
    _, _algorithm, after = _der(body, 0)
    tag, bits, _ = _der(body, after)
    if tag != 0x03 or bits[:1] != b"\x00":
        raise ValueError("no BIT STRING key")
    tag, key, _ = _der(bits[1:], 0)
    if tag != 0x30:
        raise ValueError("BIT STRING holds no RSAPublicKey")
    return _rsa_public_numbers(key)


# MARK: The JWT

def _b64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def verify_jwt(app: dict, token: str) -> str | None:
    """None when `token` is a valid JWT of `app` now, else GitHub's message for it."""
    parts = token.split(".")
    if len(parts) != 3:
        return JWT_UNDECODABLE
    try:
        header = json.loads(_b64url(parts[0]))
        claims = json.loads(_b64url(parts[1]))
        signature = int.from_bytes(_b64url(parts[2]), "big")
    except (ValueError, UnicodeDecodeError):
        return JWT_UNDECODABLE
    if not isinstance(header, dict) or header.get("alg") != "RS256" or not isinstance(claims, dict):
        return JWT_UNDECODABLE
    n, e = app["n"], app["e"]
    size = (n.bit_length() + 7) // 8
    if signature >= n:
        return JWT_UNDECODABLE
    digest = hashlib.sha256(f"{parts[0]}.{parts[1]}".encode()).digest()
    suffix = b"\x00" + SHA256_PREFIX + digest
    expected = b"\x00\x01" + b"\xff" * (size - 2 - len(suffix)) + suffix
    if pow(signature, e, n).to_bytes(size, "big") != expected:
        return JWT_UNDECODABLE
    iat, exp, iss = claims.get("iat"), claims.get("exp"), claims.get("iss")
    now = time.time()
    if not isinstance(iat, int) or iat > now + 1:
        return IAT_FUTURE
    if not isinstance(exp, int) or exp <= now:
        return EXP_PAST
    if exp - iat > MAX_JWT_LIFETIME:
        return EXP_TOO_FAR
    if str(iss) != str(app["id"]):
        return ISS_WRONG if not str(iss).isdigit() else JWT_UNDECODABLE
    return None


def _user_agent_missing(h) -> bool:
    if (h.headers.get("User-Agent") or "").strip():
        return False
    h.reply(403, {"message": "Request forbidden by administrative rules. Please make sure your request has a User-Agent header "
                             "(https://docs.github.com/en/rest/overview/resources-in-the-rest-api#user-agent-required)."})
    return True


def _bearer(h) -> str:
    scheme, _, token = (h.headers.get("Authorization") or "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


def app_authenticated(h) -> dict | None:
    """The App when the request carries its valid JWT; otherwise answers 401 (as GitHub) and None."""
    if _user_agent_missing(h):
        return None
    with h.state.lock:
        app = h.state.app
    message = JWT_UNDECODABLE if app is None else verify_jwt(app, _bearer(h))
    if message is None:
        return app
    with h.state.lock:
        h.state.jwt_rejections += 1
    h.reply(401, {"message": message, "documentation_url": DOCS})
    return None


def _installation_json(installation_id: int, installation: dict, app: dict) -> dict:
    return {"id": installation_id, "app_id": app["id"], "app_slug": app["slug"],
            "account": {"login": installation["account"]}, "repository_selection": "selected",
            "permissions": PERMISSIONS, "target_type": "Organization"}


PERMISSIONS = {"statuses": "write", "deployments": "write", "pull_requests": "read", "issues": "write",
               "contents": "read", "metadata": "read"}


# MARK: Routes

@registry.route("GET", r"^/app$", auth=False)
def get_app(h, _match, _body) -> None:
    app = app_authenticated(h)
    if app is not None:
        h.reply(200, {"id": app["id"], "slug": app["slug"], "name": app["slug"], "permissions": PERMISSIONS,
                      "events": ["pull_request", "issue_comment"]})


@registry.route("GET", r"^/app/installations$", auth=False)
def list_installations(h, _match, _body) -> None:
    app = app_authenticated(h)
    if app is None:
        return
    with h.state.lock:
        found = [_installation_json(i, inst, app) for i, inst in sorted(h.state.installations.items()) if not inst["removed"]]
    h.reply(200, found)


@registry.route("GET", r"^/repos/([^/]+)/([^/]+)/installation$", auth=False)
def repository_installation(h, match, _body) -> None:
    app = app_authenticated(h)
    if app is None:
        return
    repository = f"{match.group(1)}/{match.group(2)}".lower()
    with h.state.lock:
        found = next(((i, inst) for i, inst in sorted(h.state.installations.items())
                      if not inst["removed"] and repository in inst["repositories"]), None)
    if found is None:
        return h.reply(404, {"message": "Not Found", "documentation_url": f"{DOCS}#get-a-repository-installation-for-the-authenticated-app"})
    h.reply(200, _installation_json(found[0], found[1], app))


@registry.route("POST", r"^/app/installations/([0-9]+)/access_tokens$", auth=False)
def create_access_token(h, match, _body) -> None:
    app = app_authenticated(h)
    if app is None:
        return
    installation_id = int(match.group(1))
    with h.state.lock:
        installation = h.state.installations.get(installation_id)
        if installation is None or installation["removed"]:
            return h.reply(404, {"message": "Not Found", "documentation_url": f"{DOCS}#create-an-installation-access-token-for-an-app"})
        token = "ghs_" + secrets.token_hex(18)
        expires = int(time.time()) + int(app["token_lifetime"])
        h.state.app_tokens[token] = {"installation": installation_id, "expires_at": expires}
        key = str(installation_id)
        h.state.token_requests[key] = h.state.token_requests.get(key, 0) + 1
        repositories = [{"full_name": name} for name in installation["repositories"]]
    h.reply(201, {"token": token, "expires_at": datetime.fromtimestamp(expires, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
                  "permissions": PERMISSIONS, "repository_selection": "selected", "repositories": repositories})


def installation_token_check(h, _scheme: str, token: str) -> bool:
    """Every non-App route: an installation token is good until it expires, for its installation's
    repositories only (404 for others, as GitHub hides what it cannot show). A JWT is refused."""
    if token.startswith("eyJ") and token.count(".") == 2:
        raise registry.Refusal(401, {"message": JWT_UNDECODABLE, "documentation_url": "https://docs.github.com/rest"})
    with h.state.lock:
        issued = h.state.app_tokens.get(token)
        installation = h.state.installations.get(issued["installation"]) if issued else None
    if issued is None or installation is None or installation["removed"] or issued["expires_at"] <= time.time():
        return False
    repository = REPO_PATH.match(h.path.split("?")[0])
    if repository and f"{repository.group(1)}/{repository.group(2)}".lower() not in installation["repositories"]:
        raise registry.Refusal(404, {"message": "Not Found", "documentation_url": "https://docs.github.com/rest"})
    if h.command in ("POST", "PATCH", "PUT", "DELETE"):
        with h.state.lock:
            h.state.installation_writes += 1
    return True


registry.TOKEN_CHECKS.append(installation_token_check)


def installation_login(h, token: str) -> str | None:
    """An installation token acts as the App's bot user, `<slug>[bot]`, as on GitHub."""
    with h.state.lock:
        issued = h.state.app_tokens.get(token)
        app = h.state.app
    return f"{app['slug']}[bot]" if issued is not None and app is not None else None


registry.IDENTITIES.append(installation_login)


# MARK: Admin

def admin(h, path: str, payload: dict) -> bool:
    if path == "/_standin/app":
        try:
            n, e = public_numbers(payload["public_key_pem"])
            app = {"id": int(payload["app_id"]), "slug": str(payload.get("slug", "prenv-test")), "n": n, "e": e,
                   "token_lifetime": int(payload.get("token_lifetime", 3600))}
            installations = {int(i): {"repositories": [r.lower() for r in repos], "account": (repos[0].split("/")[0] if repos else "acme"),
                                      "removed": False}
                             for i, repos in (payload.get("installations") or {}).items()}
        except (KeyError, ValueError, TypeError) as error:
            h.reply(400, {"message": f"bad app: {error}"})
            return True
        with h.state.lock:
            h.state.app = app
            h.state.installations = installations
        h.reply(200, {"ok": True})
        return True
    if path == "/_standin/app/uninstall":
        with h.state.lock:
            installation = h.state.installations.get(int(payload.get("installation_id", -1)))
            if installation is not None:
                installation["removed"] = True
        h.reply(200 if installation is not None else 404, {"ok": installation is not None})
        return True
    if path == "/_standin/app/expire-tokens":
        with h.state.lock:
            past = int(time.time()) - 1
            for issued in h.state.app_tokens.values():
                issued["expires_at"] = past
            count = len(h.state.app_tokens)
        h.reply(200, {"ok": True, "expired": count})
        return True
    return False


def counters(h, path: str) -> bool:
    if path != "/_standin/app/counters":
        return False
    with h.state.lock:
        body = {"token_requests": dict(h.state.token_requests), "jwt_rejections": h.state.jwt_rejections,
                "tokens_issued": len(h.state.app_tokens), "installation_writes": h.state.installation_writes}
    h.reply(200, body)
    return True


registry.ADMIN_HANDLERS.append(admin)
registry.ADMIN_READERS.append(counters)
