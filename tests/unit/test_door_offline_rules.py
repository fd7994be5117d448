"""One table of door cases, two implementations: the server's rules (Python) and the phone's offline rules
(JavaScript, run with node). Both must give the table's answers, so an offline decision is the server's."""

import json
import shutil
import subprocess
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from anticafe.door import rules

ROOT = Path(__file__).resolve().parents[2]
CASES = json.loads((Path(__file__).with_name("door_rules_cases.json")).read_text(encoding="utf-8"))
RULES_JS = ROOT / "anticafe" / "static" / "js" / "door-rules.js"


def full(case: dict) -> dict:
    """Return a decision case with the table's defaults filled in."""
    return {**CASES["defaults"], "event_id": None, "ticket_event_id": None, "checked_in": False,
            "registration_status": "confirmed", "ticket_revoked": False, "event_cancelled": False, **case}


def python_decision(case: dict) -> tuple[str, str]:
    c = full(case)
    starts_at, ends_at = datetime.fromisoformat(c["starts_at"]), datetime.fromisoformat(c["ends_at"])
    window = rules.window_times(starts_at, ends_at, opens_before=timedelta(minutes=c["opens_before"]),
                                closes_after=timedelta(minutes=c["closes_after"]))
    state = rules.window_state(datetime.fromisoformat(c["now"]), window, starts_at=starts_at, tz=ZoneInfo(c["tz"]))
    decision = rules.scan_decision(found=c["found"], ticket_event_id=c["ticket_event_id"], event_id=c["event_id"],
                                   checked_in=c["checked_in"], registration_status=c["registration_status"],
                                   ticket_revoked=c["ticket_revoked"], event_cancelled=c["event_cancelled"],
                                   window=state)
    return state.value, decision


@pytest.mark.parametrize("case", CASES["decisions"], ids=[c["name"] for c in CASES["decisions"]])
def test_python_decisions(case):
    assert python_decision(case) == (case["expected_window"], case["expected"])


@pytest.mark.parametrize("case", CASES["parse"], ids=[c["raw"][:40] for c in CASES["parse"]])
def test_python_parsing(case):
    scanned = rules.parse_code(case["raw"])
    got = {"kind": scanned.kind.value, "code": scanned.code} if scanned else None
    assert got == case["expected"]


@pytest.mark.parametrize("case", CASES["hash"], ids=[c["code"] for c in CASES["hash"]])
def test_python_hash(case):
    assert rules.offline_hash(case["code"]) == case["expected"]


NODE_SCRIPT = r"""
const R = require(process.argv[1]);
const table = JSON.parse(require("fs").readFileSync(0, "utf8"));
(async () => {
  const out = {parse: [], hash: [], decisions: []};
  for (const c of table.parse) out.parse.push(R.parseCode(c.raw));
  for (const c of table.hash) out.hash.push(await R.offlineHash(c.code));
  for (const c of table.decisions) {
    const w = R.windowTimes(c.starts_at, c.ends_at, c.opens_before, c.closes_after);
    const state = R.windowState(Date.parse(c.now), w, c.starts_at, c.tz);
    out.decisions.push([state, R.scanDecision({found: c.found, ticketEventId: c.ticket_event_id, eventId: c.event_id,
      checkedIn: c.checked_in, registrationStatus: c.registration_status, ticketRevoked: c.ticket_revoked,
      eventCancelled: c.event_cancelled, window: state})]);
  }
  process.stdout.write(JSON.stringify(out));
})();
"""


@pytest.fixture(scope="module")
def javascript_answers() -> dict:
    node = shutil.which("node")
    if node is None:
        pytest.fail("node is needed to run the offline rules (apt-get install nodejs)")
    table = {"parse": CASES["parse"], "hash": CASES["hash"], "decisions": [full(c) for c in CASES["decisions"]]}
    done = subprocess.run([node, "-e", NODE_SCRIPT, str(RULES_JS)], input=json.dumps(table), capture_output=True,
                          text=True, timeout=60, check=True)
    return json.loads(done.stdout)


def test_javascript_decisions(javascript_answers):
    got = {c["name"]: tuple(a) for c, a in zip(CASES["decisions"], javascript_answers["decisions"], strict=True)}
    assert got == {c["name"]: (c["expected_window"], c["expected"]) for c in CASES["decisions"]}


def test_javascript_parsing(javascript_answers):
    assert javascript_answers["parse"] == [c["expected"] for c in CASES["parse"]]


def test_javascript_hash(javascript_answers):
    assert javascript_answers["hash"] == [c["expected"] for c in CASES["hash"]]


def test_both_implementations_cover_every_result():
    """The table exercises every answer the offline scanner can give."""
    assert {c["expected"] for c in CASES["decisions"]} == {
        "checked_in", "already_checked_in", "unknown_code", "wrong_event", *(r.value for r in rules.Refusal)}


@pytest.mark.parametrize(("age", "band"), [(None, "unknown"), (0, "under_14"), (13, "under_14"), (14, "14_17"),
                                           (17, "14_17"), (18, "18_plus"), (90, "18_plus")])
def test_age_band(age, band):
    assert rules.age_band(age) == band


@pytest.mark.parametrize(("name", "short"), [("Алина Морозова", "Алина М."), ("Анна Мария Соколова", "Анна С."),
                                             ("Тимур", "Тимур"), ("  ", "")])
def test_short_name(name, short):
    assert rules.short_name(name) == short


def test_scanned_at_in_the_future_beyond_the_clock_skew():
    now = datetime(2026, 10, 31, 19, 0, tzinfo=ZoneInfo("UTC"))
    assert rules.scanned_at_problem(now + timedelta(minutes=2), now) is None
    assert rules.scanned_at_problem(now - timedelta(days=3), now) is None
    assert rules.scanned_at_problem(now + timedelta(minutes=2, seconds=1), now) is rules.ScannedAtProblem.IN_FUTURE
