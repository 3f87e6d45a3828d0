"""Resource Groups Tagging API GetResources, covering CodePipeline and CodeBuild.

moto 5.2.1 answers GetResources for many services but not for `codepipeline:pipeline` or
`codebuild:project`, the two types prenv's orphan hunt needs most. This layer answers the whole
call itself: moto's own resources (read from moto's tagging backend, in process) followed by the
pipelines and projects moto holds, with AWS's filter semantics and its own pagination:

* ResourceTypeFilters: `service` or `service:resourceType`; empty means every type.
* TagFilters: every filter must match (AND); a filter with Values matches one of them (OR),
  without Values any value of that key.
* ResourcesPerPage: 1…100 (AWS's range), default 50. PaginationToken: opaque, issued by this
  layer; the last page answers "" as AWS does. A token is good for one use (AWS's expire too).
"""

from __future__ import annotations

import secrets
import threading
from collections import OrderedDict

from wire import CallInfo, Request, Response, json_error, json_response

_OWN_TYPES = {
    "codepipeline": "codepipeline:pipeline",
    "codebuild": "codebuild:project",
}
_MAX_OPEN_TOKENS = 1000


class ResourceTagging:
    def __init__(self, moto):
        self._moto = moto
        self._lock = threading.Lock()
        self._pages: OrderedDict[str, list[dict]] = OrderedDict()

    def reset(self) -> None:
        with self._lock:
            self._pages.clear()

    def get_resources(self, req: Request, info: CallInfo) -> Response:
        try:
            body = req.json()
        except ValueError:
            return json_error(400, "SerializationException", "Request body is not valid JSON")
        per_page = body.get("ResourcesPerPage", 50)
        if not isinstance(per_page, int) or not 1 <= per_page <= 100:
            return json_error(400, "InvalidParameterException", "ResourcesPerPage must be between 1 and 100")
        token = body.get("PaginationToken") or ""
        if token:
            with self._lock:
                remaining = self._pages.pop(token, None)
            if remaining is None:
                return json_error(400, "PaginationTokenExpiredException", "Token does not exist or has expired")
        else:
            type_filters = body.get("ResourceTypeFilters") or []
            tag_filters = body.get("TagFilters") or []
            for tag_filter in tag_filters:
                if not isinstance(tag_filter, dict) or not tag_filter.get("Key"):
                    return json_error(400, "InvalidParameterException", "every TagFilter needs a Key")
            account = self._moto.account_for(req, info)
            remaining = self._moto_resources(account, info.region, type_filters, tag_filters)
            remaining += self._own_resources(account, info.region, type_filters, tag_filters)
        page, rest = remaining[:per_page], remaining[per_page:]
        next_token = ""
        if rest:
            next_token = secrets.token_urlsafe(24)
            with self._lock:
                self._pages[next_token] = rest
                while len(self._pages) > _MAX_OPEN_TOKENS:
                    self._pages.popitem(last=False)
        return json_response(200, {"ResourceTagMappingList": page, "PaginationToken": next_token})

    # ------------------------------------------------------------ sources
    @staticmethod
    def _moto_resources(account: str, region: str, type_filters: list[str], tag_filters: list[dict]) -> list[dict]:
        """What moto's own GetResources would list, every page at once."""
        moto_filters = [f for f in type_filters if f.split(":", 1)[0] not in _OWN_TYPES]
        if type_filters and not moto_filters:
            return []
        from moto.resourcegroupstaggingapi.models import resourcegroupstaggingapi_backends

        backend = resourcegroupstaggingapi_backends[account][region]
        return list(backend._get_resources_generator(tag_filters=tag_filters, resource_type_filters=moto_filters))

    def _own_resources(self, account: str, region: str, type_filters: list[str], tag_filters: list[dict]) -> list[dict]:
        found = []
        if _wanted("codepipeline", type_filters):
            for pipeline in list(self._moto.codepipeline(account, region).pipelines.values()):
                found.append(_mapping(pipeline.metadata["pipelineArn"], dict(pipeline.tags)))
        if _wanted("codebuild", type_filters):
            for project in list(self._moto.codebuild(account, region).codebuild_projects.values()):
                tags = {t["key"]: t.get("value", "") for t in (project.tags or []) if "key" in t}
                found.append(_mapping(project.arn, tags))
        return [m for m in found if _matches(m["Tags"], tag_filters)]


def _wanted(service: str, type_filters: list[str]) -> bool:
    return not type_filters or service in type_filters or _OWN_TYPES[service] in type_filters


def _mapping(arn: str, tags: dict[str, str]) -> dict:
    return {"ResourceARN": arn, "Tags": [{"Key": k, "Value": v} for k, v in sorted(tags.items())]}


def _matches(tags: list[dict], tag_filters: list[dict]) -> bool:
    values = {t["Key"]: t["Value"] for t in tags}
    for tag_filter in tag_filters:
        key = tag_filter["Key"]
        if key not in values:
            return False
        wanted = tag_filter.get("Values") or []
        if wanted and values[key] not in wanted:
            return False
    return True
