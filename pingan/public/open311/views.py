"""HTTP layer of `/open311/v2/`: format suffix, method, jurisdiction, rate limits, key.

Every answer is XML or JSON by the path suffix; an unsupported suffix is a 400 in XML.
Errors always use the spec's body and the right HTTP status. GET answers allow any origin
(public data for map apps); POST needs `api_key` and is CSRF-exempt (no cookies are used).
GET servicerequestupdates needs `api_key` too: its feed is bound to the key's region.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from pingan.core.http import client_ip
from pingan.public.models import Open311Client
from pingan.public.open311 import (
    attributes,
    catalogue,
    comments,
    feed,
    params,
    ratelimit,
    selectors,
    services,
)
from pingan.public.open311.errors import Open311Error, bad_request, not_found
from pingan.public.open311.render import FORMATS, MIME_TYPES, error_response, respond, w3c

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
# servicerequestupdates (GET the progress feed, POST a citizen's comment) follow this one.
UPDATES_SPECIFICATION = "https://github.com/mysociety/fixmystreet/wiki/Open311-FMS---Complete-Spec"
SAFE = ("GET", "HEAD")


def _check_jurisdiction(args: params.Arguments) -> None:
    given = args.get("jurisdiction_id")
    if given and given.lower() != settings.PINGAN_OPEN311_JURISDICTION.lower():
        raise not_found(_("jurisdiction_id %(id)s 不存在。") % {"id": given[:100]})


def _throttled(verdict: ratelimit.Verdict, *, audited: bool = False) -> Open311Error:
    return Open311Error(
        429,
        _("请求过于频繁，请 %(seconds)d 秒后再试。") % {"seconds": verdict.retry_after},
        retry_after=verdict.retry_after,
        audited=audited,
    )


def _arguments(request: HttpRequest) -> params.Arguments:
    try:
        return params.Arguments.of(request)
    except (RequestDataTooBig, TooManyFieldsSent) as exc:
        raise bad_request(_("请求体过大或字段过多。")) from exc


def _limit(request: HttpRequest, args: params.Arguments) -> None:
    """GETs per IP; POSTs per IP too (against floods of bad keys; the per-key limit of
    good keys is in `_create`). A POST refused here is audited once per window."""
    ip = client_ip(request) or "-"
    if request.method == "POST":
        verdict = ratelimit.hit("post-ip", ip, settings.PINGAN_OPEN311_POST_PER_MINUTE * 5)
        if not verdict.allowed:
            if verdict.first_refusal:
                services.audit_refusal(
                    reason="ip_rate_limited", key=args.get("api_key"), ip=ip, path=request.path
                )
            raise _throttled(verdict, audited=True)
    else:
        verdict = ratelimit.hit("get", ip, settings.PINGAN_OPEN311_GET_PER_MINUTE)
        if not verdict.allowed:
            raise _throttled(verdict)


def endpoint(*methods: str) -> Callable:
    """Wrap a view `(request, fmt, args, **kw) -> HttpResponse` with the common checks:
    rate limits, format, method, jurisdiction. Every POST that fails is audited (by the
    view, or here when it failed before reaching it)."""

    def decorate(view: Callable) -> Callable:
        @wraps(view)
        def wrapper(request: HttpRequest, fmt: str, **kwargs) -> HttpResponse:
            try:
                args = _arguments(request)
                _limit(request, args)
                if fmt not in FORMATS:
                    raise bad_request(
                        _("不支持的格式 .%(fmt)s：请使用 .xml 或 .json。") % {"fmt": fmt[:20]}
                    )
                if request.method not in methods:
                    error = Open311Error(
                        405, _("不支持 %(method)s 方法。") % {"method": request.method}
                    )
                    response = error_response(fmt, error)
                    response["Allow"] = ", ".join(methods)
                    return response
                _check_jurisdiction(args)
                response = view(request, fmt, args, **kwargs)
            except Open311Error as error:
                if request.method == "POST" and not error.audited:
                    services.audit_post_error(ip=client_ip(request), path=request.path, error=error)
                response = error_response(fmt, error)
                if error.retry_after:
                    response["Retry-After"] = str(error.retry_after)
            if request.method in SAFE:
                response["Access-Control-Allow-Origin"] = "*"
            return response

        return wrapper

    return decorate


def root(request: HttpRequest) -> HttpResponse:
    return HttpResponseRedirect(reverse("open311:discovery", kwargs={"fmt": "xml"}))


def unknown(request: HttpRequest, rest: str) -> HttpResponse:
    fmt = "json" if rest.endswith(".json") else "xml"
    return error_response(fmt, not_found(_("没有这个资源：%(path)s") % {"path": rest[:100]}))


def _endpoint_url(request: HttpRequest) -> str:
    return request.build_absolute_uri(reverse("open311:root")).rstrip("/")


@endpoint(*SAFE)
def discovery(request: HttpRequest, fmt: str, args: params.Arguments) -> HttpResponse:
    changed = w3c(catalogue.changeset())
    site = settings.PINGAN_SITE_NAME
    data = {
        "changeset": changed,
        "contact": settings.PINGAN_OPEN311_CONTACT
        or _("%(site)s：请联系本系统的系统管理员。") % {"site": site},
        "key_service": settings.PINGAN_OPEN311_KEY_SERVICE
        or _(
            "API 密钥（api_key）由本系统的系统管理员签发，每个接入系统一个，限定可报送的区划。"
            "请联系系统管理员申请。"
        ),
        "endpoints": [
            {
                "specification": specification,
                "url": _endpoint_url(request),
                "changeset": changed,
                "type": "production",
                "formats": list(MIME_TYPES),
            }
            for specification in (SPECIFICATION, UPDATES_SPECIFICATION)
        ],
    }
    return respond(fmt, "discovery", data)


@endpoint(*SAFE)
def service_list(request: HttpRequest, fmt: str, args: params.Arguments) -> HttpResponse:
    data = [
        {
            "service_code": s.code,
            "service_name": s.name,
            "description": s.description,
            "metadata": bool(attributes.definition(s)),
            "type": "realtime",
            "keywords": s.keywords,
            "group": s.group,
        }
        for s in catalogue.service_list()
    ]
    return respond(fmt, "services", data)


@endpoint(*SAFE)
def service_definition(
    request: HttpRequest, fmt: str, args: params.Arguments, code: str
) -> HttpResponse:
    service = catalogue.find_service(code)
    if service is None:
        raise not_found(_("service_code %(code)s 不存在。") % {"code": code[:50]})
    return respond(fmt, "service_definition", attributes.definition_data(service))


@csrf_exempt
@endpoint("GET", "HEAD", "POST")
def requests(request: HttpRequest, fmt: str, args: params.Arguments) -> HttpResponse:
    if request.method == "POST":
        return _create(request, fmt, args)
    extensions = params.flag(args, "extensions")
    ids = params.comma_list(args.get("service_request_id"))
    if ids:
        if len(ids) > params.MAX_IDS:
            raise bad_request(
                _("service_request_id 一次最多 %(max)d 个。") % {"max": params.MAX_IDS}
            )
        cases, more, page = selectors.by_ids(ids), False, None
    else:
        status_filter = set(params.comma_list(args.get("status").lower()))
        wrong = status_filter - {"open", "closed"}
        problems: list[tuple[int, str]] = []
        if wrong:
            problems.append((400, _("status 只能是 open 或 closed（可用逗号分隔）。")))
        start, end, page = _window_and_page(args, problems)
        cases, more = selectors.search(
            start=start,
            end=end,
            service_codes=params.comma_list(args.get("service_code")),
            status_filter=status_filter,
            page=page,
        )
    response = respond(
        fmt, "service_requests", selectors.request_data(cases, extensions=extensions)
    )
    if more and page is not None:
        _link_next(request, response, page)
    return response


def _link_next(request: HttpRequest, response: HttpResponse, page: params.Page) -> None:
    query = request.GET.copy()
    query["page"] = str(page.number + 1)
    query["page_size"] = str(page.size)
    response["Link"] = (
        f'<{request.build_absolute_uri(request.path)}?{query.urlencode()}>; rel="next"'
    )


def _refusal(reason: str, purpose: str) -> str:
    """Why a key was refused, for what the call wanted to do."""
    return {
        "request": {
            "missing_key": _("缺少 api_key，无法提交诉求。"),
            "invalid_key": _("api_key 无效，无法提交诉求。"),
            "revoked_key": _("api_key 已停用，无法提交诉求。"),
        },
        "update": {
            "missing_key": _("缺少 api_key，无法提交留言。"),
            "invalid_key": _("api_key 无效，无法提交留言。"),
            "revoked_key": _("api_key 已停用，无法提交留言。"),
        },
        "feed": {
            "missing_key": _("缺少 api_key，无法查询办理进展。"),
            "invalid_key": _("api_key 无效，无法查询办理进展。"),
            "revoked_key": _("api_key 已停用，无法查询办理进展。"),
        },
    }[purpose][reason]


def _client(request: HttpRequest, args: params.Arguments, purpose: str) -> Open311Client:
    """The active client of the presented key; else 403 (audited as `open311.denied`)."""
    key = args.get("api_key")
    client = services.client_for_key(key)
    if client is None or not client.active:
        reason = "missing_key" if not key else ("revoked_key" if client else "invalid_key")
        services.audit_refusal(
            reason=reason, key=key, ip=client_ip(request), path=request.path, client=client
        )
        raise Open311Error(403, _refusal(reason, purpose), audited=True)
    return client


def _post_budget(request: HttpRequest, args: params.Arguments, client: Open311Client) -> None:
    """The per-key POST limit (requests and updates together)."""
    verdict = ratelimit.hit("post", str(client.pk), settings.PINGAN_OPEN311_POST_PER_MINUTE)
    if not verdict.allowed:
        if verdict.first_refusal:
            services.audit_refusal(
                reason="rate_limited",
                key=args.get("api_key"),
                ip=client_ip(request),
                path=request.path,
                client=client,
            )
        raise _throttled(verdict, audited=True)


def _create(request: HttpRequest, fmt: str, args: params.Arguments) -> HttpResponse:
    ip = client_ip(request)
    client = _client(request, args, "request")
    _post_budget(request, args, client)
    try:
        submitted = services.open311_request_create(client=client, args=args, ip=ip)
    except Open311Error as error:
        services.audit_rejected(client=client, ip=ip, error=error)
        error.audited = True
        raise
    data = [
        {
            "service_request_id": submitted.case.number,
            "service_notice": submitted.notice,
            "account_id": submitted.account_id,
        }
    ]
    return respond(fmt, "service_requests", data)


@endpoint(*SAFE)
def request_detail(
    request: HttpRequest, fmt: str, args: params.Arguments, request_id: str
) -> HttpResponse:
    case = selectors.find_request(request_id)
    if case is None:
        raise not_found(_("service_request_id %(id)s 不存在。") % {"id": request_id[:50]})
    extensions = params.flag(args, "extensions")
    return respond(fmt, "service_requests", selectors.request_data([case], extensions=extensions))


@endpoint(*SAFE)
def token(request: HttpRequest, fmt: str, args: params.Arguments, token: str) -> HttpResponse:
    case = selectors.find_token(token)
    if case is None:
        raise not_found(_("token %(token)s 不存在。") % {"token": token[:50]})
    return respond(fmt, "service_requests", [{"service_request_id": case.number, "token": token}])


def _window_and_page(args: params.Arguments, problems: list[tuple[int, str]]):
    """start_date/end_date and page of a list request; every problem (with those already in
    `problems`) answered together as one 400."""
    start = end = page = None
    try:
        start, end = params.date_window(args.get("start_date"), args.get("end_date"))
    except Open311Error as exc:
        problems += exc.errors
    try:
        page = params.page(args)
    except Open311Error as exc:
        problems += exc.errors
    if problems:
        raise Open311Error(400, errors=problems)
    return start, end, page


@csrf_exempt
@endpoint("GET", "HEAD", "POST")
def request_updates(request: HttpRequest, fmt: str, args: params.Arguments) -> HttpResponse:
    """servicerequestupdates: GET the progress feed of the key's region (`feed`), POST a
    citizen's comment on a case the key's client posted (`comments`)."""
    if request.method == "POST":
        return _post_update(request, fmt, args)
    client = _client(request, args, "feed")
    start, end, page = _window_and_page(args, [])
    data, more = feed.updates(region=client.region_id, start=start, end=end, page=page)
    response = respond(fmt, "service_request_updates", data)
    if more:
        _link_next(request, response, page)
    return response


def _post_update(request: HttpRequest, fmt: str, args: params.Arguments) -> HttpResponse:
    ip = client_ip(request)
    client = _client(request, args, "update")
    _post_budget(request, args, client)
    try:
        posted = comments.open311_update_post(client=client, args=args, ip=ip)
    except Open311Error as error:
        services.audit_rejected(client=client, ip=ip, error=error, action="open311.update")
        error.audited = True
        raise
    return respond(fmt, "service_request_updates", [{"update_id": posted.update_id}])
