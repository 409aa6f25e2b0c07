from urllib.parse import urlsplit

from django import template
from django.conf import settings
from django.urls import Resolver404, resolve, translate_url
from django.utils import translation
from django.utils.translation import get_language
from django.utils.translation import gettext as _

register = template.Library()


@register.simple_tag(takes_context=True)
def language_links(context):
    """One link per site language to this same page in that language."""
    request = context.get("request")
    current = (get_language() or settings.LANGUAGE_CODE).split("-")[0]
    page = context.get("page")
    page_urls = {}
    if page is not None and getattr(page, "pk", None):
        for version in page.get_translations(inclusive=True).live().select_related("locale"):
            page_urls[version.locale.language_code] = version.get_url(request)
    links = []
    for code, name in settings.LANGUAGES:
        if code in page_urls:
            url = page_urls[code]
        elif request is not None:
            url = _url_in_language(request.get_full_path(), code)
        else:
            url = f"/{code}/"
        with translation.override(code):
            own_name = str(name)  # each language named in itself
        links.append({"code": code, "name": own_name, "url": url, "current": code == current})
    return links


def _url_in_language(path: str, code: str) -> str:
    """The same page in ``code``; an unprefixed path (e.g. the QR code's /verify/…/) gets the prefix.
    A path that would read as another host ("//host/…", a 404 page's own address) leads home."""
    from lms.middleware import on_this_site

    if not on_this_site(path):
        return f"/{code}/"
    url = translate_url(path, code)
    if url != path or path.startswith(f"/{code}/"):
        return url
    try:
        # Resolved in ``code``: the language prefix only matches the active language.
        with translation.override(code):
            resolve(f"/{code}{path.split('?')[0]}")
    except Resolver404:
        return url
    return f"/{code}{path}"


@register.filter
def described(field):
    """Render a form field with aria-describedby pointing at its help text and errors."""
    ids = []
    if field.help_text:
        ids.append(f"{field.auto_id}-help")
    if field.errors:
        ids.append(f"{field.auto_id}-error")
    attrs = {}
    if ids:
        attrs["aria-describedby"] = " ".join(ids)
    if field.errors:
        attrs["aria-invalid"] = "true"
    return field.as_widget(attrs=attrs)


@register.simple_tag
def login_reason(next_url):
    """Why the log-in page was shown, read from where the visitor was going (``?next=``)."""
    if not next_url:
        return ""
    path = urlsplit(str(next_url)).path
    try:
        with translation.override(translation.get_language_from_path(path) or get_language()):
            match = resolve(path)
    except Resolver404:
        return ""
    if match.namespace == "quizzes":
        return _("Log in to take the quiz.")
    if match.namespace == "certificates" and match.url_name in {"mine", "download"}:
        return _("Log in to see your attestations.")
    if match.namespace == "certificates" and match.url_name == "initiate":
        return _("Log in to record a treatment initiation.")
    if match.url_name == "wagtail_serve" and "".join(match.args).strip("/"):
        # Below the home page, every page that sends people to log in is a course page.
        return _("Log in to read the course.")
    return ""


@register.simple_tag
def trusts_typed_hpr():
    """``{% trusts_typed_hpr as dev_trust %}``: development only, typed HPR numbers count as verified."""
    from lms.identity import trusts_typed_hpr as trusted

    return trusted()


@register.simple_tag
def dev_mfa_code():
    """``{% dev_mfa_code as code %}``: development only, the code that passes two-factor authentication."""
    from django.conf import settings

    return getattr(settings, "MFA_TOTP_INSECURE_BYPASS_CODE", None) if settings.DEBUG else None


@register.simple_tag(takes_context=True)
def staff_continue(context):
    """Where a staff member goes once two-factor authentication is set up, as ``(address, label)``:
    the page they were sent away from (``lms.middleware.StaffMFARequiredMiddleware``), else the
    admin. None for everybody else, and for staff not yet enrolled."""
    from lms.middleware import MFA_NEXT, on_this_site, staff_enrolled

    request = context.get("request")
    if request is None or not staff_enrolled(request):
        return None
    url = request.session.get(MFA_NEXT) or "/admin/"
    if not on_this_site(url):
        url = "/admin/"  # the middleware stores none such; a session from before it checked might
    if url.startswith("/admin/"):
        return url, _("Continue to the admin")
    return url, _("Continue to the page you asked for")
