"""``mobileca-ca`` commands for trainers: ``demo-seed`` (the demo company, agent and
reviewers, the same on every run), the simulated phones' ``inbox`` and the demo ``clock``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import re
import sys
from typing import Any

from mobileca_desktop.ca import idcheck
from mobileca_desktop.ca.clock import format_display
from mobileca_desktop.ca.engine import CAEngine
from mobileca_desktop.cacli.common import open_engine, print_json
from mobileca_desktop.domain import errors as E
from mobileca_desktop.domain.models import (
    AccountKind,
    ClockInfo,
    LegalEntityRegistration,
    MessageKind,
    PersonalRegistration,
)

# --- demo data (fixed, readable values; identity numbers from a fixed seed) --------------

DEMO_SEED = 2026
DEMO_PASSWORD = "Demo2026pass"
DEMO_COMPANY = "山西示例建设工程有限公司"
DEMO_PROVINCE = "山西省"
DEMO_CITY = "太原市"
DEMO_BANK = "中国工商银行太原迎泽支行"
DEMO_BANK_ACCOUNT = "0502123456789012345"
DEMO_LEGAL_PERSON = "王建国"
DEMO_LEGAL_PHONE = "13935100001"
DEMO_AGENT = "李经办"
DEMO_AGENT_PHONE = "13935100002"
DEMO_REVIEWER_PHONE = "13800000000"

# --- labels ------------------------------------------------------------------------------

MESSAGE_LABELS = {
    MessageKind.SMS: "短信 SMS",
    MessageKind.DEPOSIT: "银行到账 deposit",
    MessageKind.ELICENCE: "电子营业执照 e-licence",
}


# --- inbox --------------------------------------------------------------------------------


def cmd_inbox(args: argparse.Namespace) -> int:
    with open_engine(args) as engine:
        messages = engine.inbox(args.phone)
    if args.json:
        print_json(messages)
        return 0
    if not messages:
        print(f"{args.phone}: 没有消息 / no messages")
        return 0
    for m in messages:
        print(f"#{m.id} {format_display(m.created_at)} [{MESSAGE_LABELS[m.kind]}] {m.title}")
        print(f"    {m.body}")
        if m.code:
            print(f"    验证码 code: {m.code}")
        if m.attachment:
            print(f"    二维码内容 QR text: {m.attachment}")
    return 0


# --- clock --------------------------------------------------------------------------------

_UNITS = {"d": 86400, "h": 3600, "m": 60, "s": 1}
_DURATION_PART = re.compile(r"(\d+)\s*([dhms])", re.ASCII)
MAX_ADVANCE_SECONDS = 100 * 365 * 86400


def parse_duration(text: str) -> int:
    """``400d``, ``2h``, ``90m``, ``30s``, ``1d12h`` or a number of seconds."""
    t = (text or "").strip().lower()
    bad = E.InvalidInput(
        field="duration", reason="use e.g. 400d, 2h, 90m, 30s, 1d12h or a number of seconds"
    )
    if t.isascii() and t.isdigit():
        seconds = int(t)
    else:
        pos, seconds = 0, 0
        for m in _DURATION_PART.finditer(t):
            if t[pos : m.start()].strip():
                raise bad
            seconds += int(m.group(1)) * _UNITS[m.group(2)]
            pos = m.end()
        if pos == 0 or t[pos:].strip():
            raise bad
    if seconds > MAX_ADVANCE_SECONDS:
        raise E.InvalidInput(field="duration", reason="at most 100 years")
    return seconds


def _format_offset(seconds: int) -> str:
    if seconds == 0:
        return "0 (真实时间 real time)"
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    return f"+{days}d {hours:02d}:{minutes:02d}:{secs:02d} ({seconds} s)"


def _print_clock(args: argparse.Namespace, info: ClockInfo, headline: str | None = None) -> None:
    if args.json:
        print_json(info)
        return
    if headline:
        print(headline)
    print(f"CA 时间 / CA time:    {format_display(info.now)} (Asia/Shanghai)")
    print(f"真实时间 / real time: {format_display(info.real_now)}")
    print(f"偏移 / offset:        {_format_offset(info.offset_seconds)}")


def cmd_clock_show(args: argparse.Namespace) -> int:
    with open_engine(args) as engine:
        info = engine.clock_info()
    _print_clock(args, info)
    return 0


def cmd_clock_advance(args: argparse.Namespace) -> int:
    seconds = parse_duration(args.duration)
    with open_engine(args) as engine:
        info = engine.advance_clock(engine.operator_session(), seconds)
    _print_clock(args, info, f"演示时钟已前进 / demo clock moved forward by {args.duration}")
    return 0


def cmd_clock_reset(args: argparse.Namespace) -> int:
    with open_engine(args) as engine:
        info = engine.reset_clock(engine.operator_session())
    _print_clock(args, info, "演示时钟已复位 / demo clock back to real time")
    return 0


# --- demo-seed ----------------------------------------------------------------------------


def demo_identities() -> dict[str, str]:
    """The demo company's 统一社会信用代码 and the two ID numbers, the same on every run."""
    rng = random.Random(DEMO_SEED)
    return {
        "uscc": idcheck.make_uscc(rng),
        "legal_person_id_number": idcheck.make_id_number(rng, dt.date(1975, 3, 14)),
        "agent_id_number": idcheck.make_id_number(rng, dt.date(1990, 6, 18)),
    }


def _account_exists(engine: CAEngine, login_name: str) -> bool:
    return engine.store.account_exists(login_name)


def _elicence_text(engine: CAEngine, uscc: str) -> str:
    for m in engine.inbox(DEMO_LEGAL_PHONE):
        if m.kind is MessageKind.ELICENCE and m.attachment:
            return m.attachment
    # The registration message is gone (or the phone was reused): make it anew.
    session = engine.login(AccountKind.LEGAL, uscc, DEMO_PASSWORD)
    try:
        return engine.elicence_text(session)
    finally:
        engine.logout(session)


def _seed(engine: CAEngine) -> dict[str, Any]:
    ids = demo_identities()
    company = {
        "login": "法人登录 (legal-entity login)",
        "company_name": DEMO_COMPANY,
        "uscc": ids["uscc"],
        "password": DEMO_PASSWORD,
        "legal_person_name": DEMO_LEGAL_PERSON,
        "legal_person_id_number": ids["legal_person_id_number"],
        "legal_person_phone": DEMO_LEGAL_PHONE,
        "province": DEMO_PROVINCE,
        "city": DEMO_CITY,
        "bank_name": DEMO_BANK,
        "bank_account": DEMO_BANK_ACCOUNT,
    }
    if _account_exists(engine, ids["uscc"]):
        company["status"] = "existing"
    else:
        engine.register_legal(
            LegalEntityRegistration(
                company_name=DEMO_COMPANY,
                uscc=ids["uscc"],
                province=DEMO_PROVINCE,
                city=DEMO_CITY,
                bank_name=DEMO_BANK,
                bank_account=DEMO_BANK_ACCOUNT,
                legal_person_name=DEMO_LEGAL_PERSON,
                legal_person_id_number=ids["legal_person_id_number"],
                legal_person_phone=DEMO_LEGAL_PHONE,
                password=DEMO_PASSWORD,
            )
        )
        company["status"] = "created"
    agent = {
        "login": "个人登录 (personal login, by phone or ID number)",
        "name": DEMO_AGENT,
        "id_number": ids["agent_id_number"],
        "phone": DEMO_AGENT_PHONE,
        "password": DEMO_PASSWORD,
    }
    if _account_exists(engine, ids["agent_id_number"]):
        agent["status"] = "existing"
    else:
        engine.register_personal(
            PersonalRegistration(
                name=DEMO_AGENT,
                id_number=ids["agent_id_number"],
                phone=DEMO_AGENT_PHONE,
                password=DEMO_PASSWORD,
            )
        )
        agent["status"] = "created"
    reviewers = []
    operator = engine.operator_session()
    for inst in engine.institutions():
        login = f"reviewer-{inst.id}"
        item = {
            "login": login,
            "password": DEMO_PASSWORD,
            "name": f"{inst.short_name} 审核员",
            "institution_id": inst.id,
            "institution_name": inst.name,
        }
        if _account_exists(engine, login):
            item["status"] = "existing"
        else:
            engine.create_reviewer(
                operator,
                login_name=login,
                name=item["name"],
                password=DEMO_PASSWORD,
                institution_id=inst.id,
                phone=DEMO_REVIEWER_PHONE,
            )
            item["status"] = "created"
        reviewers.append(item)
    return {
        "company": company,
        "agent": agent,
        "reviewers": reviewers,
        "elicence_qr_text": _elicence_text(engine, ids["uscc"]),
    }


_STATUS_TEXT = {"created": "新建 created", "existing": "已存在 existing"}


def _print_seed(data: dict[str, Any]) -> None:
    c, a = data["company"], data["agent"]
    print(f"演示数据 / demo data in {data['data_dir']}")
    print()
    print(f"法人登录 / legal-entity login  [{_STATUS_TEXT[c['status']]}]")
    print(f"  企业名称 company:              {c['company_name']}")
    print(f"  统一社会信用代码 USCC (login): {c['uscc']}")
    print(f"  密码 password:                 {c['password']}")
    print(f"  法定代表人 legal person:       {c['legal_person_name']}")
    print(f"  身份证号 ID number:            {c['legal_person_id_number']}")
    print(f"  手机 phone (inbox):            {c['legal_person_phone']}")
    print(f"  对公账户 bank account:         {c['bank_name']} {c['bank_account']}")
    print()
    print(f"个人登录 / personal login (经办人 agent)  [{_STATUS_TEXT[a['status']]}]")
    print(f"  姓名 name:                     {a['name']}")
    print(f"  手机 phone (login, inbox):     {a['phone']}")
    print(f"  身份证号 ID number (login):    {a['id_number']}")
    print(f"  密码 password:                 {a['password']}")
    print()
    print("审核员 / reviewers (CA 审核台)")
    for r in data["reviewers"]:
        print(
            f"  {r['login']:<15} {r['password']}  {r['institution_name']}  "
            f"[{_STATUS_TEXT[r['status']]}]"
        )
    print()
    print("电子营业执照 / e-business licence (二维码内容 QR text):")
    print(data["elicence_qr_text"])
    print()
    print("扫描此二维码完成「电子营业执照」核验 / scan this QR code for the e-licence check")
    print("(深色背景终端显示最佳 / drawn for a dark terminal background):")
    _print_qr(data["elicence_qr_text"])


def _print_qr(text: str) -> None:
    import segno

    qr = segno.make_qr(text, error="m")
    sys.stdout.flush()
    qr.terminal(out=sys.stdout, compact=True)
    sys.stdout.flush()


def cmd_demo_seed(args: argparse.Namespace) -> int:
    with open_engine(args) as engine:
        data = _seed(engine)
    data = {"data_dir": args.data_dir, **data}
    if args.json:
        print_json(data)
    else:
        _print_seed(data)
    return 0
