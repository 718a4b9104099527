"""What every route of /api/v1/ shares: its answers to errors (in Chinese, naming the field
and row), pages of results, ETags for incremental pulls, body-size limits and the audit
log's label of each write.

The routes themselves live beside their pages, in each app's ``api.py``; ``config/api.py``
puts them together."""

import hashlib
import json
import math
from decimal import Decimal
from typing import Annotated, Generic, TypeVar

from django.conf import settings
from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpResponse, HttpResponseNotModified
from django.utils.cache import get_conditional_response, quote_etag
from django.utils.translation import gettext as _
from ninja import Schema
from ninja.errors import AuthenticationError, HttpError, Throttled, ValidationError
from ninja.renderers import JSONRenderer
from pydantic import BeforeValidator, ConfigDict, WithJsonSchema
from pydantic_core import PydanticCustomError

from .audit import Action, Outcome

T = TypeVar("T")

DEFAULT_PAGE_SIZE = 100
MAX_PAGE_SIZE = 500


class Refused(Exception):
    """A write refused by the portal's own checks: nothing was written. ``errors`` are
    (field, message) pairs, the field as the caller wrote it ("entries[2].quantity")."""

    def __init__(self, message, errors=(), status=422, warnings=()):
        super().__init__(message)
        self.errors = list(errors)
        self.status = status
        # (field, message) pairs of plausibility warnings the caller may confirm and send again.
        self.warnings = list(warnings)


class Input(Schema):
    """What a caller sends: a field the portal does not know is an error, not ignored, so a
    misspelt field is never silently dropped."""

    model_config = ConfigDict(extra="forbid")


def _number_text(value):
    """A figure as the pages receive it, typed: text kept as written (the portal's own
    parser reads "1,234.5" and full-width digits), a JSON number as its shortest decimal
    text. true/false is not a number, though Python counts it as one."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        raise PydanticCustomError("decimal_type", "must be a number")
    if isinstance(value, float) and not math.isfinite(value):
        raise PydanticCustomError("finite_number", "must be a finite number")
    return str(value)


# A number or the text of one, handed on as text to the same parser the forms use.
NumberText = Annotated[str | None, BeforeValidator(_number_text), WithJsonSchema(
    {"anyOf": [{"type": "number"}, {"type": "string"}, {"type": "null"}], "examples": ["1234.5", 1234.5]})]


class Page(Schema, Generic[T]):
    count: int
    page: int
    page_size: int
    next_page: int | None
    results: list[T]


def paged(queryset, *, page, page_size, ordering=("pk",), row=None):
    """One page of ``queryset`` in a stable order (``ordering`` ends with a unique field),
    each object turned into its answer by ``row`` (the object itself without it)."""
    page = max(page, 1)
    page_size = min(max(page_size, 1), MAX_PAGE_SIZE)
    count = queryset.count()
    start = (page - 1) * page_size
    objects = list(queryset.order_by(*ordering)[start:start + page_size])
    return {
        "count": count, "page": page, "page_size": page_size,
        "next_page": page + 1 if start + page_size < count else None,
        "results": [row(obj) for obj in objects] if row else objects,
    }


# --- values as the answers carry them ----------------------------------------------------------


def decimal_text(number):
    """A stored Decimal as written in the database ("26.5000" stays "26.5000"), never a
    float; None stays None."""
    return None if number is None else str(number)


def iso(value):
    """A date or a moment in ISO 8601; None stays None."""
    return None if value is None else value.isoformat()


def who(user):
    """Who did something, as the pages name them (display name, else username); None for nobody."""
    return None if user is None else str(user)


# --- the audit log's words for each write ----------------------------------------------------

_ACTIONS = {}


def audited_api(label):
    """Declare what calling a write route means, for the audit log (as ``@audited`` does on a
    page). The route's URL name is the function's name, so the label is found by it."""

    def mark(function):
        _ACTIONS[function.__name__] = Action(label, page=Outcome.SUCCESS)
        return function

    return mark


# --- what wraps every route ---------------------------------------------------------------


def write_actions(routers):
    """{URL name: {method: Action}} of every route: one path read and written (GET and POST
    /progress) is one URL pattern named after its first operation, so what a write means is
    found by the method, not by the name."""
    found = {}
    for router in routers:
        for path_view in router.path_operations.values():
            actions = {}
            for operation in path_view.operations:
                action = _ACTIONS.get(operation.view_func.__name__)
                for method in operation.methods:
                    if action is not None:
                        actions[method] = action
            for operation in path_view.operations:
                found[getattr(operation, "url_name", None) or operation.view_func.__name__] = actions
    return found


def wrap_view(view, actions):
    """The route's view with the audit label of each of its writes (by method), the body-size
    limit and ETags."""

    def api_view(request, *args, **kwargs):
        # The audit middleware reads the label after the view, by the method actually called.
        request.audit_action = actions.get(request.method)
        length = request.META.get("CONTENT_LENGTH") or "0"
        if length.isdigit() and int(length) > settings.API_MAX_BODY_BYTES:
            return _too_big()
        response = view(request, *args, **kwargs)
        if request.method in ("GET", "HEAD") and response.status_code == 200 and not response.streaming:
            return _conditional(request, response)
        return response

    api_view.csrf_exempt = True
    if actions:
        # What the route declares for the audit checks (tests/test_audit.py): its write.
        api_view.audit_action = actions.get("POST") or next(iter(actions.values()))
    return api_view


def _conditional(request, response):
    """An ETag of the answer's bytes: a system pulling the same page again sends it back in
    If-None-Match and gets 304, without the body, when nothing on the page changed."""
    etag = quote_etag(hashlib.sha256(response.content).hexdigest()[:32])
    response["ETag"] = etag
    answer = get_conditional_response(request, etag=etag, response=response)
    if isinstance(answer, HttpResponseNotModified):
        answer["ETag"] = etag
    return answer


def _json(payload, status):
    return HttpResponse(json.dumps(payload, ensure_ascii=False), status=status,
                        content_type="application/json; charset=utf-8")


def _too_big():
    limit = settings.API_MAX_BODY_BYTES // (1024 * 1024) or 1
    return _json({"detail": _("The request body is larger than %(mb)s MB; send it in parts.") % {"mb": limit},
                  "errors": []}, 413)


# --- errors, in words ---------------------------------------------------------------------

# Pydantic's error types, in the words a clerk's IT contact reads.
_MESSAGES = {
    "missing": lambda ctx: _("is required"),
    "extra_forbidden": lambda ctx: _("is not a field the portal knows"),
    "int_parsing": lambda ctx: _("must be a whole number"),
    "int_type": lambda ctx: _("must be a whole number"),
    "int_from_float": lambda ctx: _("must be a whole number"),
    "float_parsing": lambda ctx: _("must be a number"),
    "float_type": lambda ctx: _("must be a number"),
    "decimal_parsing": lambda ctx: _("must be a number"),
    "decimal_type": lambda ctx: _("must be a number"),
    "finite_number": lambda ctx: _("must be a finite number"),
    "string_type": lambda ctx: _("must be text"),
    "bool_parsing": lambda ctx: _("must be true or false"),
    "bool_type": lambda ctx: _("must be true or false"),
    "list_type": lambda ctx: _("must be a list"),
    "dict_type": lambda ctx: _("must be an object"),
    "model_type": lambda ctx: _("must be an object"),
    "model_attributes_type": lambda ctx: _("must be an object"),
    "date_from_datetime_parsing": lambda ctx: _("must be a date such as 2026-12-31"),
    "date_parsing": lambda ctx: _("must be a date such as 2026-12-31"),
    "date_type": lambda ctx: _("must be a date such as 2026-12-31"),
    "string_too_long": lambda ctx: _("must be at most %(n)s characters") % {"n": ctx.get("max_length")},
    "string_too_short": lambda ctx: _("must be at least %(n)s characters") % {"n": ctx.get("min_length")},
    "too_long": lambda ctx: _("must have at most %(n)s items") % {"n": ctx.get("max_length")},
    "too_short": lambda ctx: _("must have at least %(n)s items") % {"n": ctx.get("min_length")},
    "greater_than_equal": lambda ctx: _("must be at least %(n)s") % {"n": ctx.get("ge")},
    "greater_than": lambda ctx: _("must be more than %(n)s") % {"n": ctx.get("gt")},
    "less_than_equal": lambda ctx: _("must be at most %(n)s") % {"n": ctx.get("le")},
    "string_pattern_mismatch": lambda ctx: _("is not in the expected form"),
    "enum": lambda ctx: _("must be one of %(values)s") % {"values": ctx.get("expected", "")},
    "literal_error": lambda ctx: _("must be one of %(values)s") % {"values": ctx.get("expected", "")},
}


def field_name(loc):
    """Pydantic's location as the caller wrote it: ("body", "payload", "entries", 2,
    "quantity") → "entries[2].quantity"; the query's and path's own names stay bare."""
    parts = list(loc)
    if parts and parts[0] in ("body", "query", "path"):
        parts = parts[1:]
        # A route reads its whole body into one argument (named ``payload`` throughout).
        if parts and parts[0] == "payload":
            parts = parts[1:]
    text = ""
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or _("the request body")


def _validation_errors(errors):
    described = []
    for error in errors:
        words = _MESSAGES.get(error.get("type"))
        message = words(error.get("ctx") or {}) if words else str(error.get("msg", ""))
        field = field_name(error.get("loc", ()))
        described.append({"field": field, "message": f"{field}：{message}"})
    return described


def _summary(errors):
    head = "；".join(error["message"] for error in errors[:3])
    more = _("and %(n)s more") % {"n": len(errors) - 3} if len(errors) > 3 else ""
    return _("The request was refused and nothing was changed: %(problems)s") % {
        "problems": head + (f"；{more}" if more else "")}


class ChineseJSONRenderer(JSONRenderer):
    """Answers in UTF-8 as written (区城管局), not as \\u escapes a person cannot read."""

    json_dumps_params = {"ensure_ascii": False}


def install_error_handlers(api):
    def validation(request, exc):
        errors = _validation_errors(exc.errors)
        return _json({"detail": _summary(errors), "errors": errors}, 422)

    def http_error(request, exc):
        message = str(exc)
        cause = exc.__cause__
        if exc.status_code == 400 and cause is not None:
            if isinstance(cause, RequestDataTooBig):
                return _too_big()
            # The body could not be read as JSON (ninja's words name no place).
            where = ""
            if isinstance(cause, json.JSONDecodeError):
                where = _(" (line %(line)s, column %(column)s)") % {"line": cause.lineno, "column": cause.colno}
            message = _("The request body is not valid JSON%(where)s; nothing was written.") % {"where": where}
        answer = _json({"detail": message, "errors": []}, exc.status_code)
        if isinstance(exc, AuthenticationError):
            answer["WWW-Authenticate"] = 'Bearer realm="jieshui"'
        return answer

    def throttled(request, exc):
        return _json({"detail": _("Too many calls with this token; wait a moment and try again."), "errors": []},
                     429)

    def not_found(request, exc):
        return _json({"detail": _("Not found, or outside this token's scope."), "errors": []}, 404)

    def denied(request, exc):
        return _json({"detail": str(exc) or _("This token may not do this."), "errors": []}, 403)

    def refused(request, exc):
        def described(pairs):
            return [{"field": field, "message": f"{field}：{message}" if field else message}
                    for field, message in pairs]

        payload = {"detail": str(exc), "errors": described(exc.errors)}
        if exc.warnings:
            payload["warnings"] = described(exc.warnings)
        return _json(payload, exc.status)

    def django_invalid(request, exc):
        errors = []
        if hasattr(exc, "error_dict"):
            for field, problems in exc.message_dict.items():
                for problem in problems:
                    errors.append({"field": field, "message": f"{field}：{problem}"})
        else:
            errors = [{"field": "", "message": message} for message in exc.messages]
        return _json({"detail": _summary(errors), "errors": errors}, 422)

    def too_big(request, exc):
        return _too_big()

    api.add_exception_handler(ValidationError, validation)
    api.add_exception_handler(Throttled, throttled)
    api.add_exception_handler(HttpError, http_error)
    api.add_exception_handler(Http404, not_found)
    api.add_exception_handler(PermissionDenied, denied)
    api.add_exception_handler(Refused, refused)
    api.add_exception_handler(DjangoValidationError, django_invalid)
    api.add_exception_handler(RequestDataTooBig, too_big)


# --- filters every list shares ----------------------------------------------------------------


def quarter_param(text, field="quarter"):
    """A quarter as a query writes it (2026Q4, 2026-Q4, 2026年第四季度); None when absent;
    a 422 naming the field otherwise."""
    if not text:
        return None
    from .periods import Quarter

    try:
        return Quarter.parse(text)
    except ValueError as error:
        raise Refused(_("Nothing was read: %(field)s is not a quarter.") % {"field": field},
                      [(field, str(error))]) from None


def in_quarter(queryset, text):
    """``queryset`` (of records with ``year`` and ``quarter``) of the quarter a query names,
    or all of it when it names none."""
    period = quarter_param(text)
    return queryset if period is None else queryset.filter(year=period.year, quarter=period.number)
