"""A browser's User-Agent in plain words for the 扫码 confirm page: which browser and which
system asked. Only what a User-Agent commonly says is recognised; anything else is ``""``
(the page then says 未知). A User-Agent is the browser's own claim: it helps the user
notice a stranger's browser, it proves nothing."""

from __future__ import annotations

import re

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
_SYSTEMS: tuple[tuple[str, str], ...] = (
    (r"Windows NT ([\d.]+)", "windows"),
    (r"Android ([\d.]+)", "Android {v}"),
    (r"(?:iPhone|iPad|iPod).*? OS (\d+)", "iOS {v}"),
    (r"Mac OS X (\d+)[_.](\d+)", "macOS {v}"),
    (r"CrOS", "ChromeOS"),
    (r"HarmonyOS", "HarmonyOS"),
    (r"UOS|Deepin", "统信 UOS / Deepin"),
    (r"Kylin", "麒麟"),
    (r"Ubuntu", "Ubuntu Linux"),
    (r"Linux", "Linux"),
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
    for pattern, words in _SYSTEMS:
        m = re.search(pattern, ua)
        if not m:
            continue
        if words == "windows":
            system = _WINDOWS.get(m.group(1), f"Windows NT {m.group(1)}")
        elif words.startswith("macOS"):
            system = f"macOS {m.group(1)}.{m.group(2)}"
        else:
            system = words.format(v=m.group(1) if m.groups() else "").strip()
        break
    return browser, system
