"""Which bytes may be packaged as an image: real rasters, and SVGs that can neither run code
nor fetch anything.

Markdown from strangers names the files, and the deck is shared, so the bytes decide, never
the file name. Pure: bytes in, a suffix or `UnsafeImage` out. Every check is one pass over
the input, so a 10 MB SVG costs what reading it costs.
"""

from __future__ import annotations

import re
from xml.parsers import expat

NOT_AN_IMAGE = (
    "not an image: its bytes are not PNG, JPEG, GIF, WebP or SVG; export it as one of these"
)

_RASTERS = (
    (b"\x89PNG\r\n\x1a\n", ".png"),
    (b"\xff\xd8\xff", ".jpg"),
    (b"GIF87a", ".gif"),
    (b"GIF89a", ".gif"),
)

# Anything else that does not start with `<` cannot be an SVG, so it gets the plain message.
_LOOKS_LIKE_XML = re.compile(rb"(?:\xef\xbb\xbf)?[ \t\r\n]*<")

# Entities are how XXE and "billion laughs" work; refused before the parser can see them.
_ENTITY = re.compile(rb"<!ENTITY", re.IGNORECASE)

_SVG_NS = "http://www.w3.org/2000/svg"
_XHTML_NS = "http://www.w3.org/1999/xhtml"
_XML_NS = "http://www.w3.org/XML/1998/namespace"

# Not a character XML allows, so it cannot occur inside a namespace URI.
_SEP = "\x01"

# Matplotlib and Illustrator write these; without an internal subset the DTD is never read.
_KNOWN_DOCTYPES = {
    (None, None),
    (
        "-//W3C//DTD SVG 1.0//EN",
        "http://www.w3.org/TR/2001/REC-SVG-20010904/DTD/svg10.dtd",
    ),
    ("-//W3C//DTD SVG 1.1//EN", "http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd"),
    (
        "-//W3C//DTD SVG 1.1 Basic//EN",
        "http://www.w3.org/Graphics/SVG/1.1/DTD/svg11-basic.dtd",
    ),
    (
        "-//W3C//DTD SVG 1.1 Tiny//EN",
        "http://www.w3.org/Graphics/SVG/1.1/DTD/svg11-tiny.dtd",
    ),
}

_ACTIVE_ELEMENTS = {
    "script",
    "foreignobject",
    "iframe",
    "object",
    "embed",
    "audio",
    "video",
    "handler",
    "listener",
}
_ANIMATIONS = {"set", "animate", "animatemotion", "animatetransform", "animatecolor"}

# Matplotlib embeds `imshow` images this way; a browser decodes them only as rasters.
_RASTER_DATA_URLS = tuple(f"data:image/{kind};base64," for kind in ("png", "jpeg", "gif", "webp"))

# A URL parser skips these, so `" java\tscript:"` must be read as `javascript:`.
_INVISIBLE = re.compile(r"[\s\x00-\x1f\x7f-\x9f]+")
_CSS_ESCAPE = re.compile(r"\\(?:([0-9a-fA-F]{1,6})[ \t\r\n\f]?|(.))", re.DOTALL)
_CSS_COMMENT = re.compile(r"/\*.*?(?:\*/|\Z)", re.DOTALL)  # unterminated: runs to the end
# Only the first character of the target matters, which keeps every search linear.
_CSS_URL = re.compile(r"url\(\s*['\"]?\s*(.?)", re.IGNORECASE | re.DOTALL)
_CSS_FETCHES = re.compile(r"image-set\(|(?<![\w-])src\(", re.IGNORECASE)


class UnsafeImage(Exception):
    """Why these bytes cannot be packaged, worded for the author: what is wrong and what to do."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def image_suffix(data: bytes) -> str:
    """The canonical suffix for these bytes: '.png', '.jpg', '.gif', '.webp' or '.svg'.

    Raises UnsafeImage when the bytes are no such image, or an SVG that is not safe.
    """
    for magic, suffix in _RASTERS:
        if data.startswith(magic):
            return suffix
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return ".webp"
    if not _LOOKS_LIKE_XML.match(data):
        raise UnsafeImage(NOT_AN_IMAGE)
    _check_svg(data)
    return ".svg"


def _check_svg(data: bytes) -> None:
    """SVG is a document format: refuse everything in it that runs, loads or expands."""
    if _ENTITY.search(data):
        raise UnsafeImage(
            "SVG declares an entity (<!ENTITY ...>), which can read local files or expand "
            "into gigabytes of text; remove the DOCTYPE and its entities"
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise UnsafeImage(
            f"SVG is not UTF-8 (invalid byte at offset {error.start}); save it as UTF-8"
        ) from None
    _SvgChecker().check(text)


class _SvgChecker:
    """Expat callbacks that raise on the first unsafe construct; expat never fetches a DTD."""

    def __init__(self) -> None:
        parser = expat.ParserCreate(namespace_separator=_SEP)
        parser.namespace_prefixes = True  # messages show `xlink:href`, as the author wrote it
        parser.buffer_text = True
        parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
        parser.StartDoctypeDeclHandler = self._doctype
        parser.EntityDeclHandler = self._entity
        parser.ExternalEntityRefHandler = self._external_entity
        parser.ProcessingInstructionHandler = self._instruction
        parser.StartElementHandler = self._start
        parser.EndElementHandler = self._end
        parser.CharacterDataHandler = self._text
        self._parser = parser
        self._seen_root = False
        self._style: list[str] | None = None  # the text of the open <style> element

    def check(self, text: str) -> None:
        try:
            self._parser.Parse(text, True)
        except expat.ExpatError as error:
            raise UnsafeImage(
                f"SVG is not well-formed XML ({error}); fix or re-export it"
            ) from None

    def _fail(self, what: str) -> UnsafeImage:
        return UnsafeImage(f"SVG line {self._parser.CurrentLineNumber}: {what}")

    def _doctype(
        self, name: str, system_id: str | None, public_id: str | None, has_subset: bool
    ) -> None:
        if has_subset or name != "svg" or (public_id, system_id) not in _KNOWN_DOCTYPES:
            raise self._fail(
                "a DOCTYPE other than the standard SVG one can declare entities or load files; "
                "remove the DOCTYPE"
            )

    def _entity(self, name: str, *_: object) -> None:
        raise self._fail(f"entity '{name}' can read local files or expand without end; remove it")

    def _external_entity(self, *_: object) -> int:
        raise self._fail("an external entity would load another file; remove it")

    def _instruction(self, target: str, _data: str) -> None:
        raise self._fail(
            f"processing instruction <?{target} ...?> can load a stylesheet or other content; "
            "remove it"
        )

    def _start(self, name: str, attributes: dict[str, str]) -> None:
        namespace, local, shown = _split(name)
        lowered = local.lower()
        if not self._seen_root:
            self._seen_root = True
            if namespace != _SVG_NS or local != "svg":
                raise self._fail(
                    f'the root element is <{shown}>, not <svg xmlns="{_SVG_NS}">; '
                    "export the picture as SVG"
                )
        if self._style is not None:
            raise self._fail(
                f"<{shown}> inside <style>: a <style> holds only CSS text; remove <{shown}>"
            )
        if lowered in _ACTIVE_ELEMENTS:
            raise self._fail(f"<{shown}> can run code or load other content; remove it")
        if namespace == _XHTML_NS:
            raise self._fail(f"HTML element <{shown}> can load or run content; remove it")
        for key, value in attributes.items():
            self._attribute(shown, lowered, key, value)
        if lowered == "style":
            self._style = []

    def _attribute(self, element: str, element_lowered: str, key: str, value: str) -> None:
        namespace, local, shown = _split(key)
        lowered = local.lower()
        where = f"{shown}={_quoted(value)} on <{element}>"
        if lowered.startswith("on"):
            raise self._fail(f"event handler {where} can run code; remove it")
        if lowered == "href" and not _safe_link(value):
            raise self._fail(
                f"{where} points outside the file; remove it (allowed are '#id' links inside "
                "the file and embedded PNG, JPEG, GIF or WebP data: URLs)"
            )
        if namespace == _XML_NS and lowered == "base":
            raise self._fail(f"{where} changes where the file's links point; remove it")
        if lowered == "ping":
            raise self._fail(f"{where} sends a request when the link is followed; remove it")
        if element_lowered in _ANIMATIONS and lowered == "attributename":
            target = _INVISIBLE.sub("", value).rpartition(":")[2].lower()
            if target == "href" or target.startswith("on"):
                raise self._fail(
                    f"{where} animates a link or an event handler, which can run code; "
                    "remove the animation"
                )
        if lowered == "style":
            problem = _css_problem(value)
        else:
            problem = _url_problem(_unescape_css(value) if "\\" in value else value)
        if problem is not None:
            raise self._fail(f"{where}: {problem}")

    def _end(self, _name: str) -> None:
        if self._style is not None:
            problem = _css_problem("".join(self._style))
            self._style = None
            if problem is not None:
                raise self._fail(f"<style>: {problem}")

    def _text(self, text: str) -> None:
        if self._style is not None:
            self._style.append(text)


def _split(name: str) -> tuple[str, str, str]:
    """Expat's `uri SEP local [SEP prefix]` -> (uri, local, name as written)."""
    parts = name.split(_SEP)
    if len(parts) == 1:
        return "", name, name
    if len(parts) == 2:
        return parts[0], parts[1], parts[1]
    return parts[0], parts[1], f"{parts[2]}:{parts[1]}"


def _safe_link(value: str) -> bool:
    target = _INVISIBLE.sub("", value)
    return target.startswith("#") or target[:32].lower().startswith(_RASTER_DATA_URLS)


def _unescape_css(css: str) -> str:
    """`\\75 rl(` is `url(` to a browser, so the checks read CSS with escapes resolved."""

    def replace(match: re.Match[str]) -> str:
        if match[1] is None:
            return match[2]
        code = int(match[1], 16)
        return chr(code) if 0 < code <= 0x10FFFF and not 0xD800 <= code <= 0xDFFF else "\ufffd"

    return _CSS_ESCAPE.sub(replace, css)


def _css_problem(css: str) -> str | None:
    """What in a stylesheet or `style` attribute could run code or fetch, if anything."""
    css = _unescape_css(css) if "\\" in css else css
    lowered = css.lower()
    if "@import" in lowered:
        return "@import loads another stylesheet; remove it"
    compact = _INVISIBLE.sub("", _CSS_COMMENT.sub("", lowered))
    if "javascript:" in compact:
        return "'javascript:' can run code; remove it"
    if "expression(" in compact:
        return "expression(...) can run code; remove it"
    if _CSS_FETCHES.search(css):
        return "image-set(...) and src(...) load other files; remove them"
    return _url_problem(css)


def _url_problem(value: str) -> str | None:
    for match in _CSS_URL.finditer(value):
        if match[1] != "#":
            shown = _quoted(value[match.start() : match.start() + 60])
            return f"{shown} points outside the file; use url(#id) or remove it"
    return None


def _quoted(value: str) -> str:
    """Short enough for one line of an error message, control characters made visible."""
    return repr(value if len(value) <= 60 else value[:60] + "...")
