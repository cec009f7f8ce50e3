"""``mobileca-platform``: the trading-platform simulator (交易系统).

Not built yet: it arrives with the scanning issue (扫一扫 login, seal, encrypt, decrypt).
This entry point exists so the installed command says so plainly.
"""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    print(
        "mobileca-platform: the trading-platform simulator is not built yet; it comes with "
        "the 扫一扫 (scanning) issue.",
        file=sys.stderr,
    )
    return 3


if __name__ == "__main__":
    raise SystemExit(main())
