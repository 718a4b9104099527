"""/api/v1/: the portal for other systems (a department's ledger, a utility's metering, a
statistics bureau), on the same scope, services and checks as the pages.

django-ninja: the routes are plain functions calling the apps' services, their inputs and
answers typed schemas, and the OpenAPI description and its browsable docs (Swagger UI,
shipped inside the package and served from /static/, never a CDN) come from those same
signatures. Each app keeps its routes in its own ``api.py``."""

from django.urls import URLPattern
from django.views.decorators.http import require_safe
from ninja import NinjaAPI
from ninja.openapi.docs import Swagger

from core.api import ChineseJSONRenderer, install_error_handlers, wrap_view, write_actions
from org.api_auth import TokenAuth, TokenThrottle, signed_in_or_token

API_NAMESPACE = "api"

api = NinjaAPI(
    title="节水达标管理平台 API",
    version="1",
    description=(
        "供部门业务系统、供水企业计量系统和统计部门调用的接口。每次调用以系统账号的令牌签名："
        "`Authorization: Bearer <令牌>`。令牌由系统管理员在“系统账号与接口令牌”页面或以 "
        "`manage.py create_api_token` 生成；令牌能看到和改动的，与该账号在页面上能看到和改动的相同。"
    ),
    urls_namespace=API_NAMESPACE,
    renderer=ChineseJSONRenderer(),
    auth=TokenAuth(),
    throttle=[TokenThrottle()],
    docs=Swagger(settings={"persistAuthorization": False}),
    docs_url="/docs",
    openapi_url="/openapi.json",
    # The description is no secret, but the portal shows nothing to a stranger: a person signed
    # in reads it, a system fetches it with its token.
    docs_decorator=signed_in_or_token,
)
install_error_handlers(api)


def _routers():
    # The writes join their app's router (a path read and written is one route with two methods).
    import indicators.api_writes  # noqa: F401
    import tasks.api_writes  # noqa: F401
    from campaigns.api import router as campaigns_router
    from carriers.api import router as carriers_router
    from indicators.api import router as indicators_router
    from org.api import router as org_router
    from reports.api import router as reports_router
    from tasks.api import router as tasks_router

    return [("", org_router), ("", tasks_router), ("", indicators_router), ("", reports_router),
            ("", carriers_router), ("", campaigns_router)]


for prefix, router in _routers():
    api.add_router(prefix, router)


def urls():
    """The API's URL patterns, each view wrapped by ``core.api.wrap_view``."""
    patterns, app_name, namespace = api.urls
    actions = write_actions(router for _prefix, router in api._routers)
    wrapped = []
    for pattern in patterns:
        if isinstance(pattern, URLPattern):
            if pattern.name in ("openapi-json", "openapi-view", "api-root"):
                # Pages to read (the description, its docs, ninja's 404 root): a POST is a 405.
                pattern.callback = require_safe(pattern.callback)
            else:
                pattern.callback = wrap_view(pattern.callback, actions.get(pattern.name, {}))
        wrapped.append(pattern)
    return wrapped, app_name, namespace
