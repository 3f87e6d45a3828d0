"""IAM policy enforcement for chosen access keys, with resources and conditions.

Why not moto's own enforcement: moto 5.2.1 (``INITIAL_NO_AUTH_ACTION_COUNT``) is one
process-wide switch, so turning it on breaks every other test sharing the endpoint
with made-up keys. And for CodeBuild, CodePipeline and CloudFormation it checks every
action against the resource ``"*"`` (only S3 passes a real ARN), so a policy scoped to
resource names, like ``infra/iam/prenv-policy.json``, denies everything; it also treats
every condition it has no value for as satisfied, so tag conditions are never tested.

So this layer evaluates the policies moto holds for a user (inline, attached, and those
of its groups) itself, only for access keys switched on with ``POST /_prenv/iam/enforce``,
before the request reaches moto or the layer's added behaviour. What it models:

* Action (``*``/``?`` globs, case-insensitive) and Resource (globs, case-sensitive);
  ``Allow``/``Deny``, an explicit deny wins. ``NotAction``/``NotResource``, policy
  variables and permission boundaries are not modelled: a policy using them is refused
  (the request is denied with a reason saying so) rather than half-evaluated.
* Conditions: ``StringEquals``, ``StringNotEquals``, ``StringEqualsIgnoreCase``,
  ``StringLike``, ``StringNotLike``, ``ArnEquals``, ``ArnLike``, ``Null``, each with
  ``…IfExists`` and ``ForAllValues:``/``ForAnyValue:``. Any other operator denies.
* Keys with values: ``aws:RequestTag/*`` and ``aws:TagKeys`` (tags in the request),
  ``aws:ResourceTag/*`` (read from moto's project, pipeline or stack),
  ``iam:PassedToService``, ``cloudformation:CreateAction``. Other keys are absent.
* Which IAM actions one API call needs (``authorizations``): written for the calls prenv
  makes (see infra/iam/README.md); an unmodelled call needs ``service:Operation`` on
  ``"*"``, which a name-scoped policy denies.

Signatures are not checked here (``--verify-signatures`` does that, globally).
"""

from __future__ import annotations

import json
import re
import threading
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from urllib.parse import unquote

from wire import CallInfo, Request, Response, aws_error

_SUPPORTED_OPERATORS = {
    "stringequals", "stringnotequals", "stringequalsignorecase", "stringlike", "stringnotlike",
    "arnequals", "arnlike", "null",
}
_NEGATED = {"stringnotequals", "stringnotlike"}


class PolicyNotModelled(Exception):
    """The policy uses something this evaluator does not implement; the request is denied."""


@dataclass(frozen=True)
class Need:
    """One IAM authorisation an API call requires: an action on a resource, with its condition context."""

    action: str
    resource: str
    context: dict[str, list[str]] = field(default_factory=dict)


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reason: str


# ------------------------------------------------------------------ evaluation
def _glob(pattern: str, value: str, ignore_case: bool = False) -> bool:
    regex = "^" + "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern) + "$"
    return re.match(regex, value, re.IGNORECASE | re.DOTALL if ignore_case else re.DOTALL) is not None


def _as_list(value) -> list:
    return value if isinstance(value, list) else [value]


def _condition_holds(operator: str, key: str, expected: list, context: dict[str, list[str]]) -> bool:
    op = operator.lower()
    quantifier = None
    for prefix in ("forallvalues:", "foranyvalue:"):
        if op.startswith(prefix):
            quantifier, op = prefix[:-1], op[len(prefix):]
    if_exists = op.endswith("ifexists")
    if if_exists:
        op = op[: -len("ifexists")]
    if op not in _SUPPORTED_OPERATORS:
        raise PolicyNotModelled(f"condition operator {operator} is not modelled by prenv-local")
    actual = context.get(key.lower())
    if op == "null":
        want_absent = str(expected[0]).lower() == "true"
        return (actual is None) == want_absent
    if actual is None:
        if quantifier == "forallvalues":
            return True
        return if_exists or op in _NEGATED

    def one(value: str) -> bool:
        base = op.replace("not", "")
        if base in ("stringlike", "arnlike", "arnequals"):
            hit = any(_glob(str(e), value) for e in expected)
        elif base == "stringequalsignorecase":
            hit = any(str(e).lower() == value.lower() for e in expected)
        else:
            hit = any(str(e) == value for e in expected)
        return not hit if op in _NEGATED else hit

    if quantifier == "forallvalues":
        return all(one(v) for v in actual)
    if op in _NEGATED and quantifier is None:
        return all(one(v) for v in actual)
    return any(one(v) for v in actual)


def _statement_applies(statement: dict, need: Need) -> bool:
    for unsupported in ("NotAction", "NotResource", "NotPrincipal"):
        if unsupported in statement:
            raise PolicyNotModelled(f"{unsupported} is not modelled by prenv-local")
    if not any(_glob(str(a), need.action, ignore_case=True) for a in _as_list(statement.get("Action", []))):
        return False
    resources = [str(r) for r in _as_list(statement.get("Resource", []))]
    if any("${" in r for r in resources):
        raise PolicyNotModelled("policy variables in Resource are not modelled by prenv-local")
    if not any(_glob(r, need.resource) for r in resources):
        return False
    for operator, block in (statement.get("Condition") or {}).items():
        for key, expected in block.items():
            if not _condition_holds(operator, key, _as_list(expected), need.context):
                return False
    return True


def evaluate(documents: list[dict], need: Need) -> Decision:
    """AWS's identity-policy logic for one authorisation: an explicit deny wins, then any allow."""
    allowed_by = None
    try:
        for document in documents:
            for statement in _as_list(document.get("Statement", [])):
                if not _statement_applies(statement, need):
                    continue
                sid = statement.get("Sid") or "(no Sid)"
                if statement.get("Effect") == "Deny":
                    return Decision(False, f"explicit deny in statement {sid}")
                allowed_by = allowed_by or sid
    except PolicyNotModelled as err:
        return Decision(False, str(err))
    if allowed_by:
        return Decision(True, f"allowed by statement {allowed_by}")
    return Decision(False, "no statement allows it")


# ------------------------------------------------------- what a call requires
class Lookup:
    """Resource facts from moto's backends: tags and stack ids (see `Moto`)."""

    def __init__(self, moto, account: str, region: str):
        self._moto, self.account, self.region = moto, account, region

    def project_tags(self, name: str) -> dict[str, str] | None:
        project = self._moto.codebuild(self.account, self.region).codebuild_projects.get(name)
        if project is None:
            return None
        return {t.get("key", ""): t.get("value", "") for t in (getattr(project, "tags", None) or [])}

    def pipeline_tags(self, name: str) -> dict[str, str] | None:
        pipeline = self._moto.codepipeline(self.account, self.region).pipelines.get(name)
        return None if pipeline is None else dict(pipeline.tags)

    def stack(self, name_or_id: str):
        try:
            stacks = self._moto.cloudformation(self.account, self.region).describe_stacks(name_or_id)
        except Exception:  # moto raises ValidationError for an unknown stack
            return None
        return stacks[0] if stacks else None


def _tag_context(request_tags: dict[str, str] | None, resource_tags: dict[str, str] | None) -> dict[str, list[str]]:
    context: dict[str, list[str]] = {}
    if request_tags is not None:
        for key, value in request_tags.items():
            context[f"aws:requesttag/{key}".lower()] = [value]
        context["aws:tagkeys"] = list(request_tags)
    for key, value in (resource_tags or {}).items():
        context[f"aws:resourcetag/{key}".lower()] = [value]
    return context


def _role_arn(account: str, role: str) -> str:
    return role if role.startswith("arn:") else f"arn:aws:iam::{account}:role/{role}"


def _pass_role(account: str, role: str, service: str) -> Need:
    return Need("iam:PassRole", _role_arn(account, role), {"iam:passedtoservice": [f"{service}.amazonaws.com"]})


def authorizations(req: Request, info: CallInfo, lookup: Lookup) -> list[Need]:
    """Every IAM authorisation the call needs; all must be allowed."""
    service, op = info.service, info.operation
    if service == "s3":
        return _s3(req, lookup)
    if service == "codebuild":
        return _codebuild(op, req.json(), lookup)
    if service == "codepipeline":
        return _codepipeline(op, req.json(), lookup)
    if service == "cloudformation":
        return _cloudformation(op, req.form(), lookup)
    if service == "sts" and op == "GetCallerIdentity":
        return []  # AWS: needs no permission, works even under an explicit deny
    if service == "tagging":
        return [Need(f"tag:{op}", "*")]  # signed as `tagging`, authorised as `tag:` (no resource-level permissions)
    return [Need(f"{service}:{op}", "*")]


def _s3(req: Request, lookup: Lookup) -> list[Need]:
    parts = req.path.lstrip("/").split("/", 1)
    bucket = unquote(parts[0])
    key = unquote(parts[1]) if len(parts) > 1 else ""
    query = req.query
    method = req.method.upper()
    if not bucket:
        return [Need("s3:ListAllMyBuckets", "*")]
    bucket_arn = f"arn:aws:s3:::{bucket}"
    if key:
        action = {"GET": "GetObject", "HEAD": "GetObject", "PUT": "PutObject", "POST": "PutObject", "DELETE": "DeleteObject"}
        return [Need(f"s3:{action.get(method, method)}", f"{bucket_arn}/{key}")]
    if method == "POST" and "delete" in query:
        root = ET.fromstring(req.body or b"<Delete/>")
        keys = [el.text or "" for el in root.iter() if el.tag.split("}")[-1] == "Key"]
        return [Need("s3:DeleteObject", f"{bucket_arn}/{k}") for k in keys]
    for sub, actions in (
        ("tagging", {"GET": "GetBucketTagging", "PUT": "PutBucketTagging", "DELETE": "PutBucketTagging"}),
        ("website", {"GET": "GetBucketWebsite", "PUT": "PutBucketWebsite", "DELETE": "DeleteBucketWebsite"}),
        ("location", {"GET": "GetBucketLocation"}),
        ("versioning", {"GET": "GetBucketVersioning", "PUT": "PutBucketVersioning"}),
    ):
        if sub in query:
            return [Need(f"s3:{actions.get(method, method + sub)}", bucket_arn)]
    action = {"GET": "ListBucket", "HEAD": "ListBucket", "PUT": "CreateBucket", "DELETE": "DeleteBucket"}
    return [Need(f"s3:{action.get(method, method)}", bucket_arn)]


def _tag_list(tags) -> dict[str, str] | None:
    if tags is None:
        return None
    return {t.get("key", ""): t.get("value", "") for t in tags}


def _codebuild(op: str, body: dict, lookup: Lookup) -> list[Need]:
    def arn(name: str) -> str:
        return name if name.startswith("arn:") else f"arn:aws:codebuild:{lookup.region}:{lookup.account}:project/{name}"

    def name_of(value: str) -> str:
        return value.rsplit("/", 1)[-1] if value.startswith("arn:") else value

    if op == "BatchGetProjects":
        return [Need("codebuild:BatchGetProjects", arn(n)) for n in body.get("names", [])]
    if op in ("CreateProject", "UpdateProject", "DeleteProject", "StartBuild"):
        name = body.get("projectName" if op == "StartBuild" else "name", "")
        resource_tags = None if op == "CreateProject" else lookup.project_tags(name_of(name))
        needs = [Need(f"codebuild:{op}", arn(name), _tag_context(_tag_list(body.get("tags")), resource_tags))]
        if op in ("CreateProject", "UpdateProject") and body.get("serviceRole"):
            needs.append(_pass_role(lookup.account, body["serviceRole"], "codebuild"))
        return needs
    if op == "BatchGetBuilds":
        return [Need("codebuild:BatchGetBuilds", arn(i.split(":", 1)[0])) for i in body.get("ids", [])]
    return [Need(f"codebuild:{op}", "*")]


def _codepipeline(op: str, body: dict, lookup: Lookup) -> list[Need]:
    def arn(name: str) -> str:
        return f"arn:aws:codepipeline:{lookup.region}:{lookup.account}:{name}"

    if op in ("CreatePipeline", "UpdatePipeline"):
        declaration = body.get("pipeline") or {}
        name = declaration.get("name", "")
        request_tags = _tag_list(body.get("tags")) if op == "CreatePipeline" else None
        resource_tags = lookup.pipeline_tags(name) if op == "UpdatePipeline" else None
        needs = [Need(f"codepipeline:{op}", arn(name), _tag_context(request_tags, resource_tags))]
        if request_tags:
            needs.append(Need("codepipeline:TagResource", arn(name), _tag_context(request_tags, None)))
        if declaration.get("roleArn"):
            needs.append(_pass_role(lookup.account, declaration["roleArn"], "codepipeline"))
        for stage in declaration.get("stages", []):
            for action in stage.get("actions", []):
                connection = (action.get("configuration") or {}).get("ConnectionArn")
                if connection:
                    prefix = "codeconnections" if connection.startswith("arn:aws:codeconnections:") else "codestar-connections"
                    needs.append(Need(f"{prefix}:PassConnection", connection))
        return needs
    if op in ("ListTagsForResource", "TagResource", "UntagResource"):
        resource = body.get("resourceArn", "")
        name = resource.rsplit(":", 1)[-1]
        return [Need(f"codepipeline:{op}", resource, _tag_context(_tag_list(body.get("tags")), lookup.pipeline_tags(name)))]
    name = body.get("name") or body.get("pipelineName")
    if name:
        return [Need(f"codepipeline:{op}", arn(name), _tag_context(None, lookup.pipeline_tags(name)))]
    return [Need(f"codepipeline:{op}", "*")]


def _cloudformation(op: str, form: dict[str, str], lookup: Lookup) -> list[Need]:
    name = form.get("StackName")
    if not name:
        return [Need(f"cloudformation:{op}", "*")]
    stack = None if op == "CreateStack" else lookup.stack(name)
    if stack is not None:
        resource, resource_tags = stack.stack_id, dict(stack.tags or {})
    else:
        resource = name if name.startswith("arn:") else f"arn:aws:cloudformation:{lookup.region}:{lookup.account}:stack/{name}/*"
        resource_tags = None
    request_tags = None
    if op in ("CreateStack", "UpdateStack"):
        request_tags = {}
        for k, v in form.items():
            match = re.fullmatch(r"Tags\.member\.(\d+)\.Key", k)
            if match:
                request_tags[v] = form.get(f"Tags.member.{match.group(1)}.Value", "")
    needs = [Need(f"cloudformation:{op}", resource, _tag_context(request_tags or None, resource_tags))]
    if request_tags:
        context = _tag_context(request_tags, None)
        context["cloudformation:createaction"] = [op]
        needs.append(Need("cloudformation:TagResource", resource, context))
    if form.get("RoleARN") and op in ("CreateStack", "UpdateStack", "DeleteStack"):
        needs.append(_pass_role(lookup.account, form["RoleARN"], "cloudformation"))
    return needs


# ------------------------------------------------------------------ the switch
def _documents(policies) -> list[dict]:
    """Policy documents of what moto's `collect_policies` returns (managed `Policy` objects,
    inline documents as strings or dicts)."""
    documents = []
    for policy in policies:
        if hasattr(policy, "versions"):
            text = next(v.document for v in policy.versions if v.is_default)
        elif isinstance(policy, dict):
            text = policy["policy_document"]
        else:
            text = policy
        documents.append(json.loads(text) if isinstance(text, str) else text)
    return documents


class IAMEnforcement:
    """The access keys whose requests are checked against their user's policies, and the decisions made."""

    MAX_DENIALS = 500

    def __init__(self, moto):
        self._moto = moto
        self._lock = threading.Lock()
        self._keys: dict[str, str] = {}  # access key id → account
        self._allowed: dict[str, int] = {}
        self._denied: dict[str, list[dict]] = {}

    def reset(self) -> None:
        with self._lock:
            self._keys.clear()
            self._allowed.clear()
            self._denied.clear()

    def enable(self, access_key_id: str, account: str) -> dict:
        user = self._user(access_key_id, account)
        if user is None:
            raise KeyError(f"no IAM user in account {account} has access key {access_key_id}")
        with self._lock:
            self._keys[access_key_id] = account
            self._allowed.setdefault(access_key_id, 0)
            self._denied.setdefault(access_key_id, [])
        return {"access_key_id": access_key_id, "user_name": user, "account_id": account, "enforced": True}

    def disable(self, access_key_id: str) -> bool:
        with self._lock:
            return self._keys.pop(access_key_id, None) is not None

    def snapshot(self, access_key_id: str | None = None) -> dict:
        with self._lock:
            keys = [access_key_id] if access_key_id else sorted(set(self._keys) | set(self._denied))
            return {
                "enforced": sorted(k for k in self._keys if access_key_id in (None, k)),
                "decisions": {
                    k: {"allowed": self._allowed.get(k, 0), "denied": list(self._denied.get(k, []))} for k in keys
                },
            }

    def _user(self, access_key_id: str, account: str) -> str | None:
        for user in self._moto.iam(account).list_users("/", None, None):
            if any(k.access_key_id == access_key_id for k in user.access_keys):
                return user.name
        return None

    def check(self, req: Request, info: CallInfo) -> Response | None:
        """None if the key is not enforced or every authorisation the call needs is allowed;
        otherwise AWS's AccessDenied in the service's own error shape."""
        key = info.access_key
        with self._lock:
            account = self._keys.get(key or "")
        if account is None:
            return None
        from moto.iam.access_control import IAMUserAccessKey

        user = self._user(key, account) or "?"
        documents = _documents(IAMUserAccessKey(account, "aws", key, {}).collect_policies())
        try:
            needs = authorizations(req, info, Lookup(self._moto, account, info.region))
        except (ValueError, ET.ParseError):  # a body we cannot read: only a "*" grant covers it
            needs = [Need(f"{info.service}:{info.operation}", "*")]
        for need in needs:
            decision = evaluate(documents, need)
            if not decision.allowed:
                with self._lock:
                    denials = self._denied.setdefault(key, [])
                    denials.append({"operation": f"{info.service}.{info.operation}", "action": need.action,
                                    "resource": need.resource, "reason": decision.reason})
                    del denials[: -self.MAX_DENIALS]
                return _access_denied(info, account, user, need, decision)
        with self._lock:
            self._allowed[key] = self._allowed.get(key, 0) + 1
        return None


def _access_denied(info: CallInfo, account: str, user: str, need: Need, decision: Decision) -> Response:
    message = (f"User: arn:aws:iam::{account}:user/{user} is not authorized to perform: {need.action} "
               f"on resource: {need.resource} ({decision.reason}; prenv-local IAM enforcement)")
    if info.protocol == "json":
        return aws_error(info, 400, "AccessDeniedException", message)
    return aws_error(info, 403, "AccessDenied", message)
