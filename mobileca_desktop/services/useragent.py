"""A browser's User-Agent in plain words for the 扫码 confirm page: which browser and which
system asked. Only what a User-Agent commonly says is recognised; anything else is ``""``
(the page then says 未知). A User-Agent is the browser's own claim: it helps the user
notice a stranger's browser, it proves nothing."""

from __future__ import annotations

import re
from collections.abc import Callable

# Order matters: many browsers also claim to be Chrome and Safari.
_BROWSERS: tuple[tuple[str, str], ...] = (
    (r"Edg(?:e|A|iOS)?/(\d+)", "Microsoft Edge {v}"),
    (r"OPR/(\d+)", "Opera {v}"),
    (r"QQBrowser/(\d+)", "QQ浏览器 {v}"),
    (r"MicroMessenger/(\d+)", "微信 {v}"),
    (r"UCBrowser/(\d+)", "UC浏览器 {v}"),
    (r"QihooBrowser|360SE|360EE", "360浏览器"),
    (r"SogouMobileBrowser|SE 2\.X MetaSr", "搜狗浏览器"),
    (r"Firefox/(\d+)", "Firefox {v}"),
    (r"(?:Chrome|CriOS)/(\d+)", "Chrome {v}"),
    (r"Version/(\d+)[.\d]* (?:Mobile/\S+ )?Safari/", "Safari {v}"),
    (r"MSIE (\d+)|Trident/.*rv:(\d+)", "Internet Explorer {v}"),
    (r"curl/([\d.]+)", "curl {v}"),
    (r"python-httpx/([\d.]+)", "python-httpx {v}"),
    (r"python-requests/([\d.]+)", "python-requests {v}"),
    (r"Wget/([\d.]+)", "Wget {v}"),
)
_WINDOWS = {
    "10.0": "Windows 10/11",
    "6.3": "Windows 8.1",
    "6.2": "Windows 8",
    "6.1": "Windows 7",
    "6.0": "Windows Vista",
    "5.1": "Windows XP",
}


def _words(text: str) -> Callable[[re.Match[str]], str]:
    return lambda m: text.format(v=m.group(1) if m.groups() else "").strip()


def _windows(m: re.Match[str]) -> str:
    return _WINDOWS.get(m.group(1), f"Windows NT {m.group(1)}")


def _macos(m: re.Match[str]) -> str:
    return f"macOS {m.group(1)}.{m.group(2)}"


# Each system with the function that words its match (no branching on the words themselves).
_SYSTEMS: tuple[tuple[str, Callable[[re.Match[str]], str]], ...] = (
    (r"Windows NT ([\d.]+)", _windows),
    (r"Android ([\d.]+)", _words("Android {v}")),
    (r"(?:iPhone|iPad|iPod).*? OS (\d+)", _words("iOS {v}")),
    (r"Mac OS X (\d+)[_.](\d+)", _macos),
    (r"CrOS", _words("ChromeOS")),
    (r"HarmonyOS", _words("HarmonyOS")),
    (r"UOS|Deepin", _words("统信 UOS / Deepin")),
    (r"Kylin", _words("麒麟")),
    (r"Ubuntu", _words("Ubuntu Linux")),
    (r"Linux", _words("Linux")),
)


def describe(user_agent: str) -> tuple[str, str]:
    """(browser, system) in plain words, e.g. ("Chrome 120", "Windows 10/11"); ``""`` for
    what is not recognised."""
    ua = user_agent or ""
    browser = ""
    for pattern, words in _BROWSERS:
        m = re.search(pattern, ua)
        if m:
            version = next((g for g in m.groups() if g), "")
            browser = words.format(v=version).strip()
            break
    system = ""
    for pattern, word in _SYSTEMS:
        m = re.search(pattern, ua)
        if m:
            system = word(m)
            break
    return browser, system
