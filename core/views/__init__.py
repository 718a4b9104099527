"""Request helpers every app's views share."""

import logging
from urllib.parse import quote

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from ..periods import Quarter

logger = logging.getLogger(__name__)


def requested_quarter(request, default=None):
    """The quarter asked for (?quarter=2023Q3), else ``default``, else the one today falls in."""
    try:
        return Quarter.parse(request.GET.get("quarter", ""))
    except ValueError:
        return default or Quarter.containing(timezone.localdate())


def requested_region(request, regions, home=None):
    """The region asked for (?region=500156) among ``regions`` — None when it is not one of
    them, so a page never shows another district than the one its address names — else
    ``home`` when it is one of them, else the first; None when ``regions`` is empty."""
    wanted = request.GET.get("region", "")
    if wanted:
        return regions.filter(code=wanted).first()
    region = regions.filter(pk=home.pk).first() if home is not None else None
    return region or regions.first()


def requested_district(request, scope):
    """The district (county-level region) the page is about, ?region=500156, and the
    districts ``scope`` sees; 404 when the address names one it does not see."""
    regions = scope.districts()
    region = requested_region(request, regions, scope.home_region)
    if region is None:
        raise Http404
    return region, regions


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def xlsx_response(content, filename):
    """An .xlsx download named ``filename`` (Chinese kept, RFC 5987): ``content`` is the
    file's bytes, or an openpyxl workbook, saved straight into the response."""
    response = HttpResponse(content_type=XLSX)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    if isinstance(content, bytes):
        response.write(content)
    else:
        content.save(response)
    return response


def import_failed_in_database(request):
    """Call in ``except DatabaseError``: an import's transaction failed in the database (a
    full disk, a lost connection, a constraint nobody checked), so it was rolled back and
    nothing was saved. The user is told so on the page, not shown a server error; the
    error goes to the log."""
    logger.exception("an import was rolled back by a database error")
    messages.error(request, _("The database could not save the import, so nothing was saved. Try again later; "
                              "if it happens again, tell the administrator."))
