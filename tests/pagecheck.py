"""Checks every HTML page the tests fetch: valid HTML5, one h1 that the title starts with,
no duplicate ids, and every form with an action, a method and (for POST) a CSRF token."""

from __future__ import annotations

import re
from collections import Counter

import html5lib
import httpx2 as httpx


class PageProblem(AssertionError):
    pass


def _text(el) -> str:  # type: ignore[no-untyped-def]
    return re.sub(r"\s+", " ", "".join(el.itertext())).strip()


def check_html(html: str, *, fragment: bool, url: str = "") -> None:
    parser = html5lib.HTMLParser(strict=True, namespaceHTMLElements=False)
    try:
        doc = parser.parseFragment(html) if fragment else parser.parse(html)
    except html5lib.html5parser.ParseError as exc:
        line = html.splitlines()[parser.errors[0][0][0] - 1] if parser.errors else ""
        raise PageProblem(f"{url}: invalid HTML: {exc} near: {line.strip()[:200]}") from exc
    ids = Counter(el.get("id") for el in doc.iter() if isinstance(el.tag, str) and el.get("id"))
    duplicates = [i for i, n in ids.items() if n > 1]
    if duplicates:
        raise PageProblem(f"{url}: duplicate ids {duplicates}")
    for form in doc.iter("form"):
        if not form.get("action") or not form.get("method"):
            raise PageProblem(f"{url}: a form has no action or method")
        if form.get("method", "").lower() == "post":
            tokens = [i for i in form.iter("input") if i.get("name") == "csrftoken" and i.get("value")]
            if not tokens:
                raise PageProblem(f"{url}: a POST form has no CSRF token")
    if fragment:
        return
    h1s = list(doc.iter("h1"))
    if len(h1s) != 1:
        raise PageProblem(f"{url}: {len(h1s)} h1 elements")
    title_el = doc.find(".//title")
    title = _text(title_el) if title_el is not None else ""
    heading = _text(h1s[0])
    if not title.removeprefix("Error: ").startswith(heading):
        raise PageProblem(f"{url}: title {title!r} does not start with the h1 {heading!r}")


def check_response(response: httpx.Response) -> None:
    if "text/html" not in response.headers.get("content-type", ""):
        return
    response.read()
    if not response.text.strip():
        return
    fragment = response.request.headers.get("HX-Request") == "true"
    check_html(response.text, fragment=fragment, url=str(response.request.url))
