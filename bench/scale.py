"""`flask --app bench.app seed-scale`: one busy year of the café in an empty database, for the benchmarks.

The defaults are the year the benchmark issue describes: 5,000 people, 1,500 events, 40,000
registrations and 60,000 timed visits; `--factor 0.1` and `--factor 10` scale every count for the
growth curve. Rows go in with SQLAlchemy Core `insert()` executemany in batches, with explicit ids so
that children can point at their parents without reading anything back; one transaction, so a
failure leaves the database empty.

The data is shaped like the real café: visitors aged 10–30 weighted to teenagers, regulars who come
often and many who come once, events in the evenings and at weekends, capacities that fill (with
waitlists and cancellations), 15–25 % no-shows, walk-ins at the door, and timed visits of 20 minutes
to 5 hours priced by the default tariff and paid in cash, by card, by transfer or subsidised.
"""

import bisect
import json
import math
import random
import secrets
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from datetime import time as dtime
from decimal import Decimal
from zoneinfo import ZoneInfo

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import bindparam, func, insert, inspect, select, text, update

from anticafe import codes
from anticafe.accounts.demo import AGE_WEIGHTS, FIRST_NAMES_F, FIRST_NAMES_M, LAST_NAMES
from anticafe.db import utcnow
from anticafe.extensions import db
from anticafe.registrations import rows as seat_rows
from anticafe.registrations.rows import TICKET_BITS
from anticafe.stats import aggregate
from anticafe.stats.rules import age_group

#: Every account made here lives under this e-mail domain; they all share one password.
EMAIL_DOMAIN = "scale.anticafe.test"
PASSWORD = "scale-password-2026"
#: What a ticket QR holds is the ticket's absolute URL; the scan log keeps exactly that.
TICKET_BASE = "https://anticafe.example/t/"

#: The longest stay of a party (its companions leave within a few minutes of each other, never later).
MAX_STAY_MINUTES = 300.0
#: Days of history before today, and days of programme already planned after it.
PAST_DAYS = 365
AHEAD_DAYS = 30
#: Rows per executemany call.
BATCH = 2000

#: Staff, committee members and admins (not scaled: a café has a handful of them).
TEAM = [("staff", 6), ("committee", 3), ("admin", 2)]
FEEDBACK_COMMENTS = ["Было очень весело, приду ещё!", "Ведущий супер", "Мало места, было тесно", "Хотим чаще",
                     "Звук был тихий", "Лучший вечер месяца"]
IDEA_TITLES = ["Турнир по UNO", "Вечер настолок для новичков", "Кинопоказ с обсуждением", "Караоке-батл",
               "Мастер-класс по комиксам", "Квиз по аниме", "Ночь игр на приставке", "Лекция про профориентацию"]
DEVICES = ["Телефон у входа 1", "Телефон у входа 2", "Планшет на стойке"]
ORGANISERS = [("Молодёжный комитет", 40), ("Антикафе", 40), ("Клуб настольных игр «Ход конём»", 8),
              ("Центр «Молодёжь Оренбуржья»", 7), ("Школа английского «Speak Up»", 5)]

#: Russian public holidays: the admin's list that the tariff prices like weekends.
HOLIDAY_NAMES = {**{(1, d): "Новогодние каникулы" for d in range(1, 9)}, (1, 7): "Рождество Христово",
                 (2, 23): "День защитника Отечества", (3, 8): "Международный женский день",
                 (5, 1): "Праздник Весны и Труда", (5, 9): "День Победы", (6, 12): "День России",
                 (11, 4): "День народного единства"}
HOLIDAYS = set(HOLIDAY_NAMES)
#: Weekday weights (Monday first) for events and for visits.
EVENT_WEEKDAYS = [0.8, 0.9, 1.0, 1.0, 1.5, 1.8, 1.4]
VISIT_WEEKDAYS = [0.8, 0.85, 0.9, 0.95, 1.2, 1.6, 1.4]
#: Month weights: the school year is busy, the summer and the new-year holidays quieter.
MONTHS = {1: 0.8, 2: 1.0, 3: 1.05, 4: 1.05, 5: 0.95, 6: 0.8, 7: 0.75, 8: 0.8, 9: 1.1, 10: 1.15, 11: 1.15,
          12: 1.1}
#: Start hours of visits on weekdays (after school) and at weekends.
VISIT_HOURS_WEEKDAY = {10: 1, 11: 1, 12: 2, 13: 3, 14: 5, 15: 8, 16: 10, 17: 11, 18: 11, 19: 9, 20: 6, 21: 3, 22: 1}
VISIT_HOURS_WEEKEND = {10: 2, 11: 4, 12: 7, 13: 9, 14: 10, 15: 10, 16: 10, 17: 9, 18: 8, 19: 7, 20: 5, 21: 3, 22: 1}
OPENS, CLOSES = 10, 23

#: Scan results the door refuses with 409.
REFUSED = {"outside_checkin_window", "registration_cancelled", "waitlisted", "event_cancelled", "wrong_event",
           "ticket_revoked"}
PAYMENT_METHODS = [("cash", 40), ("card", 38), ("transfer", 12), ("subsidised", 10)]
SUBSIDY_NOTES = ["Социальная программа: многодетная семья", "Волонтёр молодёжного комитета",
                 "Социальная программа: ребёнок-инвалид", "Победитель турнира: бесплатный вечер"]


@dataclass(frozen=True)
class Kind:
    """How events of one category look: titles, when, how long, how big."""

    weight: int
    titles: tuple[str, ...]
    hours: tuple[int, ...]
    hours_long: tuple[int, int]
    capacity: tuple[int, int] | None
    unlimited_share: float
    popularity: float
    timed_share: float


KINDS = {
    "tournament": Kind(30, ("Турнир по мафии", "Турнир по «Монополии»", "Турнир по UNO", "Шахматный блиц",
                            "Турнир по «Каркассону»", "Кубок по настольному теннису", "Турнир по FIFA",
                            "Турнир по «Экивокам»", "Турнир по «Имаджинариуму»", "Кубок по дартсу"),
                       (17, 18, 18, 19, 19), (2, 4), (16, 40), 0.05, 1.2, 0.35),
    "talk_show": Kind(8, ("Ток-шоу «Без фильтров»", "Встреча с блогером", "Разговор с депутатом молодёжного "
                          "парламента", "Ток-шоу «Профессия будущего»", "Вечер вопросов психологу"),
                      (18, 19), (1, 2), (30, 60), 0.1, 1.0, 0.0),
    "party": Kind(10, ("Пижамная вечеринка", "Вечеринка настольных игр", "Караоке-вечер", "Дискотека 2000-х",
                       "Вечеринка в стиле аниме", "Гитара и чай"),
                  (19, 19, 20), (3, 4), (40, 80), 0.3, 1.3, 0.2),
    "contest": Kind(10, ("Открытый микрофон: стендап", "Конкурс видеороликов", "Квиз «Оренбург знает»",
                         "Конкурс чтецов", "Батл поэтов", "Фотоконкурс «Мой город»"),
                    (17, 18, 19), (2, 3), (20, 50), 0.1, 1.0, 0.15),
    "training": Kind(12, ("Бизнес-тренинг: свой проект", "Мастер-класс по ораторскому искусству",
                          "Курс финансовой грамотности", "Разговорный клуб английского", "Тренинг по тайм-менеджменту",
                          "Мастер-класс по монтажу видео"),
                     (17, 18, 18, 19), (1, 3), (12, 30), 0.05, 0.8, 0.0),
    "kids": Kind(15, ("Детская мастерская", "Настольные игры для младших", "Квест для детей",
                      "Мастер-класс по рисованию", "Детское кино и попкорн"),
                 (11, 12, 13, 15, 16), (1, 2), (10, 20), 0.05, 0.9, 0.0),
    "other": Kind(15, ("Вечер настольных игр", "Кинопоказ и обсуждение", "Игротека", "Лекция о космосе",
                       "Встреча книжного клуба", "Вечер кроссвордов"),
                  (16, 18, 19), (2, 3), (20, 40), 0.4, 0.8, 0.1),
}
#: Repeating events: (title, category, weekday, hour, minute, every N weeks, capacity).
SERIES = [("Мафия по пятницам", "tournament", 4, 19, 0, 1, 24),
          ("Настольные игры для новичков", "other", 2, 18, 0, 1, 30),
          ("Гитара и чай", "party", 3, 19, 0, 2, 40),
          ("Разговорный клуб английского", "training", 1, 18, 30, 1, 16),
          ("Детская мастерская выходного дня", "kids", 5, 12, 0, 1, 15),
          ("Киберспорт: FIFA", "tournament", 6, 15, 0, 2, 32)]
DESCRIPTIONS = {
    "tournament": "Играем по классическим правилам. **Призы** победителям, чай и печенье всем участникам.",
    "talk_show": "Живой разговор без сценария: задавайте вопросы гостю из зала или заранее в чате.",
    "party": "Музыка, игры и хорошая компания. Приходите в настроении — остальное мы подготовим.",
    "contest": "Заявки принимаем до начала. Жюри — молодёжный комитет, голосование зрителей тоже считается.",
    "training": "Практическое занятие с ведущим: возьмите блокнот и вопросы, которые давно хотели задать.",
    "kids": "Для детей до 13 лет. Родители могут подождать в зале с настольными играми.",
    "other": "Свободный формат: приходите одни или с друзьями.",
}


@click.command("seed-scale")
@click.option("--users", default=5000, show_default=True, help="young visitors (plus a small team)")
@click.option("--events", default=1500, show_default=True, help="events over the year and the month ahead")
@click.option("--registrations", default=40000, show_default=True)
@click.option("--visits", default=60000, show_default=True, help="timed visits over the past year")
@click.option("--factor", type=float, default=1.0, show_default=True,
              help="multiply every count, e.g. 0.1 or 10 for the growth curve")
@click.option("--seed", default=2026, show_default=True, help="random seed (the same seed gives the same year)")
@with_appcontext
def seed_scale(users, events, registrations, visits, factor, seed):
    """Fill an EMPTY database with one busy year of the café (for benchmarks)."""
    if factor <= 0:
        raise click.BadParameter("must be positive", param_hint="--factor")
    refuse_unless_empty()
    counts = {name: max(1, round(n * factor)) for name, n in
              (("users", users), ("events", events), ("registrations", registrations), ("visits", visits))}
    started = time.perf_counter()
    builder = YearBuilder(random.Random(seed), **counts)
    with click.progressbar(length=builder.estimated_rows(), label="Seeding a year",
                           item_show_func=lambda step: step) as bar:
        builder.bar = bar
        builder.build()
        db.session.commit()
        bar.update(0, current_item="statistics")
        aggregate.rebuild(db.session.connection())  # the pre-aggregated facts of the bulk-loaded year
        db.session.commit()
        builder.analyze()
        db.session.commit()
        bar.update(bar.length)
    click.echo(f"Seeded in {time.perf_counter() - started:.1f} s: " +
               ", ".join(f"{table} {n}" for table, n in builder.written.items()))


def refuse_unless_empty() -> None:
    """Stop with a clear message unless every table of the app exists and is empty."""
    existing = set(inspect(db.engine).get_table_names())
    missing = sorted(set(db.metadata.tables) - existing)
    if missing:
        raise click.ClickException(f"Tables missing ({', '.join(missing)}): run `flask --app wsgi db upgrade` first.")
    for name, table in sorted(db.metadata.tables.items()):
        # their rows come with the schema (stats_stale: the migrations' "count everything" mark, which the
        # rebuild after the bulk load clears)
        if name in ("data_versions", "stats_aggregate_lock", "stats_stale"):
            continue
        if db.session.execute(select(table).limit(1)).first() is not None:
            raise click.ClickException(
                f"The database is not empty (table {name} has rows). seed-scale only fills an empty database: "
                "point DATABASE_URL at a new one, or remove instance/anticafe.sqlite3 and run "
                "`flask --app wsgi db upgrade`.")


def random_code(bits: int) -> str:
    """Return a code like `codes.random_code(bits)` (same alphabet and length), from one random number."""
    length = math.ceil(bits / math.log2(len(codes.ALPHABET)))
    number = secrets.randbelow(len(codes.ALPHABET) ** length)
    chars = []
    for _ in range(length):
        number, digit = divmod(number, len(codes.ALPHABET))
        chars.append(codes.ALPHABET[digit])
    return "".join(chars)


class YearBuilder:
    """Generate the year table by table and write it in batches (parents before children)."""

    def __init__(self, rng: random.Random, *, users: int, events: int, registrations: int, visits: int):
        self.rng = rng
        self.n_users, self.n_events, self.n_regs, self.n_visits = users, events, registrations, visits
        self.tz = ZoneInfo(current_app.config["VENUE_TIMEZONE"])
        self.now = utcnow()  # the app's clock: tests pin the year it builds
        self.today = self.now.astimezone(self.tz).date()
        self.first_day = self.today - timedelta(days=PAST_DAYS)
        self.ids: dict[str, int] = {}
        self.written: dict[str, int] = {}
        self.bar = None
        self.staff_ids: list[int] = []
        self.committee_ids: list[int] = []
        # people: parallel lists indexed by position in creation order
        self.people_ids: list[int] = []
        self.people_created: list[datetime] = []
        self.people_birth: list[date | None] = []
        self.people_category: list[str] = []
        self.people_card: list[str] = []
        self.people_cum: list[float] = []
        self.guest_ids: list[int] = []
        self.guest_set: set[int] = set()
        self.card_by_id: dict[int, str] = {}
        self.birth_by_id: dict[int, date | None] = {}
        self.category_by_id: dict[int, str] = {}
        self.name_by_id: dict[int, str] = {}
        #: (user_id, checked_in_at, registration_id, event end) of check-ins at timed events
        self.timed_checkins: list[tuple[int, datetime, int, datetime]] = []
        #: people who want email; each person's linked messengers (decided when first needed)
        self.email_ok: set[int] = set()
        self.messengers_of: dict[int, tuple[str, ...]] = {}
        self.deliveries: list[dict] = []
        #: the messengers' own random numbers, so the rest of the year stays as it was without them
        self.messenger_rng = random.Random(rng.getstate()[1][0])

    # -- plumbing ---------------------------------------------------------------------------------

    def estimated_rows(self) -> int:
        return self.n_users + self.n_events + self.n_regs * 4 + self.n_visits * 4

    def next_id(self, table: str) -> int:
        self.ids[table] = self.ids.get(table, 0) + 1
        return self.ids[table]

    def write(self, table: str, rows: list[dict]) -> None:
        """Insert rows into `table` with executemany, in batches, moving the progress bar."""
        target = db.metadata.tables[table]
        for start in range(0, len(rows), BATCH):
            chunk = rows[start:start + BATCH]
            db.session.execute(insert(target), chunk)
            if self.bar is not None:
                self.bar.update(len(chunk), current_item=table)
        self.written[table] = self.written.get(table, 0) + len(rows)

    def local(self, day: date, hour: int, minute: int = 0) -> datetime:
        """Return a venue wall-clock time as aware UTC."""
        return datetime(day.year, day.month, day.day, hour, minute, tzinfo=self.tz).astimezone(UTC)

    def is_weekend(self, day: date) -> bool:
        return day.weekday() >= 5 or (day.month, day.day) in HOLIDAYS

    def day_weights(self, days: list[date], weekdays: list[float]) -> list[float]:
        return [weekdays[d.weekday()] * MONTHS[d.month] * (1.3 if (d.month, d.day) in HOLIDAYS else 1.0)
                for d in days]

    def weighted(self, table: dict):
        return self.rng.choices(list(table), list(table.values()))[0]

    def phone(self) -> str:
        return f"+79{self.rng.randint(100000000, 999999999)}"

    def name(self) -> tuple[str, str]:
        last = self.rng.choice(LAST_NAMES)
        if self.rng.random() < 0.5:
            return f"{self.rng.choice(FIRST_NAMES_F)} {last}а", last
        return f"{self.rng.choice(FIRST_NAMES_M)} {last}", last

    def build(self) -> None:
        self.opening_hours()
        self.people()
        self.zones()
        self.events()
        self.registrations()
        self.messengers()
        self.voice()
        self.contests()
        self.visits()
        self.bookings()
        self.tokens()
        self.fix_sequences()

    def analyze(self) -> None:
        """Give the query planner fresh statistics, as after any bulk load.

        PostgreSQL's autovacuum would get there by itself a minute later; SQLite never does (see
        bench/RESULTS.md: without statistics it picks worse plans for some queries).
        """
        if self.bar is not None:
            self.bar.update(0, current_item="ANALYZE")
        db.session.execute(text("ANALYZE"))

    def opening_hours(self) -> None:
        """The fresh install's hours, 10:00–23:00 every day, written down as the admin would."""
        self.write("opening_hours", [{"weekday": day, "opens": dtime(OPENS), "closes": dtime(CLOSES), "closed": False}
                                     for day in range(7)])

    # -- people -----------------------------------------------------------------------------------

    def people(self) -> None:
        """The team, young visitors with accounts, and guest profiles staff made at the door."""
        from anticafe.accounts.services import hash_password

        rng = self.rng
        shared_hash = hash_password(PASSWORD)  # one slow hash for everybody
        year_start = self.local(self.first_day, 12)
        rows = []
        for role, count in TEAM:
            for n in range(1, count + 1):
                uid = self.next_id("users")
                name, _ = self.name()
                rows.append(self.person(uid, email=f"{role}{n}@{EMAIL_DOMAIN}", name=name, role=role,
                                        birth=date(1985 + rng.randint(0, 18), rng.randint(1, 12), rng.randint(1, 28)),
                                        created=year_start - timedelta(days=rng.randint(30, 900)),
                                        password_hash=shared_hash))
                if role in ("staff", "admin"):
                    self.staff_ids.append(uid)
                else:
                    self.committee_ids.append(uid)
        ages, weights = list(AGE_WEIGHTS), list(AGE_WEIGHTS.values())
        guests = round(self.n_users * 0.08)
        span = (self.now - year_start).total_seconds()
        created = sorted(
            year_start - timedelta(days=rng.randint(1, 700)) if rng.random() < 0.4
            else year_start + timedelta(seconds=rng.random() * span * 0.97)
            for _ in range(self.n_users))
        cum = 0.0
        for number, moment in enumerate(created, 1):
            uid = self.next_id("users")
            age = rng.choices(ages, weights)[0]
            birth = self.today - timedelta(days=age * 365 + rng.randint(0, 364))
            guest = number % round(self.n_users / max(guests, 1)) == 0 if guests else False
            name, last = self.name()
            category = "schoolchild" if age < 18 else ("student" if age < 23 and rng.random() < 0.7 else "standard")
            if age >= 18 and rng.random() < 0.03:
                category = "volunteer"
            row = self.person(uid, email=None if guest else f"visitor{number:06d}@{EMAIL_DOMAIN}", name=name,
                              role="visitor", birth=None if guest and rng.random() < 0.5 else birth, created=moment,
                              password_hash=None if guest else shared_hash, category=category)
            if age < 14 and not guest:
                row["guardian_name"] = f"{rng.choice(FIRST_NAMES_F)} {last}а"
                row["guardian_phone"] = self.phone()
            rows.append(row)
            self.birth_by_id[uid] = row["birth_date"]
            self.name_by_id[uid] = name
            self.category_by_id[uid] = category
            self.card_by_id[uid] = row["card_code"]
            if guest:
                self.guest_ids.append(uid)
                self.guest_set.add(uid)
                continue
            # regulars come every week, most people a few times a year: a heavy-tailed popularity
            cum += min(rng.paretovariate(1.2), 60.0)
            self.people_ids.append(uid)
            self.people_created.append(moment)
            self.people_birth.append(row["birth_date"])
            self.people_cum.append(cum)
        self.write("users", rows)

    def person(self, uid: int, *, email, name, role, birth, created, password_hash, category="standard") -> dict:
        rng = self.rng
        phone = self.phone() if email or rng.random() < 0.7 else None
        wants_email = email is not None and rng.random() < 0.9
        if wants_email:
            self.email_ok.add(uid)
        return {"id": uid, "email": email, "name": name, "phone": phone, "birth_date": birth,
                "password_hash": password_hash, "role": role, "guardian_name": None, "guardian_phone": None,
                "consent_at": created, "locale": rng.choices([None, "ru", "en"], [85, 12, 3])[0],
                "email_notifications": wants_email, "guest_category": category,
                "card_code": random_code(50), "feed_token": secrets.token_urlsafe(24), "active": True,
                "created_at": created}

    def pick_person(self, moment: datetime, eligible=None, exclude=()) -> int | None:
        """Pick someone who had an account at `moment`, regulars more often; None if nobody fits."""
        known = bisect.bisect_right(self.people_created, moment)
        if known == 0:
            return None
        top = self.people_cum[known - 1]
        for _ in range(30):
            index = min(bisect.bisect_left(self.people_cum, self.rng.random() * top), known - 1)
            uid = self.people_ids[index]
            if uid in exclude or (eligible is not None and not eligible(self.people_birth[index])):
                continue
            return uid
        return None

    # -- zones and events -------------------------------------------------------------------------

    def zones(self) -> None:
        self.zone_ids = {}
        rows = []
        for name, capacity, price, description in [
                ("Большой зал", 60, None, "Главный зал со сценой и проектором"),
                ("Игровая", 20, None, "Столы для настольных игр и турниров"),
                ("Консольный угол", 6, Decimal("300.00"), "PlayStation 5 и большой телевизор"),
                ("Переговорная", 10, Decimal("500.00"), "Для встреч и занятий небольших групп")]:
            zid = self.next_id("zones")
            self.zone_ids[name] = zid
            rows.append({"id": zid, "name": name, "description": description, "capacity": capacity, "bookable": True,
                         "price_per_hour": price, "photo": None,
                         "created_at": self.local(self.first_day, 9) - timedelta(days=400)})
        self.write("zones", rows)

    def events(self) -> None:
        """Series occurrences (a fifth of the programme) and one-off events, evenings and weekends."""
        rng = self.rng
        last_day = self.today + timedelta(days=AHEAD_DAYS)
        days = [self.first_day + timedelta(days=i) for i in range((last_day - self.first_day).days + 1)]
        planned = []  # (day, hour, minute, hours long, category, title, capacity, series index)
        series_rows = []
        wanted = round(self.n_events * 0.2)
        per_series = max(1, wanted // len(SERIES))
        for title, category, weekday, hour, minute, every, capacity in SERIES:
            if len(planned) >= wanted:
                break
            occurrences = [d for d in days if d.weekday() == weekday][::-1][::every][:per_series][::-1]
            sid = self.next_id("event_series")
            series_rows.append({"id": sid, "title": title, "interval_weeks": every, "until": None,
                                "count": len(occurrences),
                                "created_at": self.local(occurrences[0], 10) - timedelta(days=10)})
            for day in occurrences:
                planned.append((day, hour, minute, KINDS[category].hours_long[0] + 1, category, title, capacity, sid))
        weights = self.day_weights(days, EVENT_WEEKDAYS)
        kinds = list(KINDS)
        for _ in range(self.n_events - len(planned)):
            day = rng.choices(days, weights)[0]
            category = rng.choices(kinds, [k.weight for k in KINDS.values()])[0]
            kind = KINDS[category]
            title = rng.choice(kind.titles)
            if day.month == 10 and day.day >= 25 and category == "party":
                title = "Хэллоуин-дискотека"
            elif day.month == 12 and day.day >= 20 and category == "party":
                title = "Новогодняя вечеринка"
            hour = rng.choice(kind.hours) if not self.is_weekend(day) else rng.choice((*kind.hours, 13, 14, 15))
            capacity = None if rng.random() < kind.unlimited_share else rng.randint(*kind.capacity)
            planned.append((day, hour, rng.choice((0, 0, 30)), rng.randint(*kind.hours_long), category, title,
                            capacity, None))
        self.write("event_series", series_rows)
        planned.sort(key=lambda p: (p[0], p[1], p[2]))
        self.event_info = []
        rows = []
        for day, hour, minute, hours_long, category, title, capacity, sid in planned:
            eid = self.next_id("events")
            starts = self.local(day, hour, minute)
            ends = min(starts + timedelta(hours=hours_long), self.local(day, CLOSES))
            if ends <= starts:
                ends = starts + timedelta(hours=1)
            kind = KINDS[category]
            min_age = max_age = None
            if category == "kids":
                max_age = 13
            elif rng.random() < 0.1:
                min_age = 14
            elif category == "talk_show" and rng.random() < 0.2:
                min_age = 18
            cancelled = rng.random() < 0.03
            published = starts < self.now or rng.random() < 0.9
            created = starts - timedelta(days=rng.randint(7, 30), hours=rng.randint(0, 8))
            opens = starts - timedelta(days=14) if rng.random() < 0.2 else None
            rows.append({
                "id": eid, "series_id": sid, "title": title, "category": category,
                "description": DESCRIPTIONS[category], "starts_at": starts, "ends_at": ends, "capacity": capacity,
                "min_age": min_age, "max_age": max_age, "registration_opens_at": opens,
                "registration_closes_at": None,
                "entry": "timed" if rng.random() < kind.timed_share else "free",
                "organiser": rng.choices([o for o, _ in ORGANISERS], [w for _, w in ORGANISERS])[0],
                "zone_id": (self.zone_ids["Игровая"] if category == "tournament" and (capacity or 99) <= 20
                            else self.zone_ids["Большой зал"] if rng.random() < 0.6 else None),
                "cover_image": None, "status": "cancelled" if cancelled else "scheduled", "published": published,
                "sequence": rng.choices([0, 1, 2], [85, 10, 5])[0] + (1 if cancelled else 0),
                "created_at": created, "updated_at": created + timedelta(days=rng.randint(0, 5)),
            })
            self.event_info.append(rows[-1])
        columns = db.metadata.tables["events"].c
        for row in rows:  # the events domain's publication and cancellation details, where the model has them
            if "published_at" in columns:
                row["published_at"] = row["created_at"] + timedelta(hours=2) if row["published"] else None
            if "cancelled_at" in columns:
                cancelled = row["status"] == "cancelled"
                row["cancelled_at"] = row["starts_at"] - timedelta(days=2) if cancelled else None
                row["cancel_reason"] = "Ведущий заболел, перенесём на другой день" if cancelled else None
        self.write("events", rows)
        # big tournaments open the doors earlier, some parties let people in after the end of the programme
        windows = [{"event_id": e["id"], "opens_minutes_before": rng.choice((90, 120)),
                    "closes_minutes_after": rng.choice((0, 30, 60)), "updated_at": e["created_at"]}
                   for e in rows if rng.random() < 0.08]
        self.write("checkin_windows", windows)

    # -- registrations, check-ins and the scan log ------------------------------------------------

    def registrations(self) -> None:
        """Fill events by demand: confirmed up to capacity, then a waitlist; cancellations; no-shows; walk-ins."""
        rng = self.rng
        demand = []
        for event in self.event_info:
            if not event["published"]:
                demand.append(0.0)
                continue
            kind = KINDS[event["category"]]
            size = event["capacity"] or 45
            ahead = (event["starts_at"] - self.now).days
            soon = 1.0 if ahead < 0 else max(0.05, 1 - ahead / AHEAD_DAYS)
            demand.append(size * kind.popularity * rng.lognormvariate(0, 0.35) * soon)
        total = sum(demand) or 1.0
        carry = 0.0
        regs, checkins, scans, messages = [], [], [], []
        for event, want in zip(self.event_info, demand, strict=True):
            carry += self.n_regs * want / total
            count = int(carry)
            carry -= count
            if count:
                first = len(regs)
                carry += count - self.event_registrations(event, count, regs, checkins, scans)
                self.event_notifications(event, regs[first:], messages)
            if len(regs) >= BATCH * 4:
                self.flush_registrations(regs, checkins, scans, messages)
        self.flush_registrations(regs, checkins, scans, messages)

    def flush_registrations(self, regs, checkins, scans, messages) -> None:
        self.write("registrations", regs)
        self.write("checkins", checkins)
        self.write("scan_log", scans)
        self.write("notifications", messages)
        self.write("notification_deliveries", self.deliveries)
        for rows in (regs, checkins, scans, messages, self.deliveries):
            rows.clear()

    def event_notifications(self, event: dict, regs: list[dict], messages: list) -> None:
        """The outbox the registrations made: reminders the day before, cancellations, promotions."""
        rng = self.rng
        starts = event["starts_at"]
        local = starts.astimezone(self.tz)
        when = f"{local:%d.%m} в {local:%H:%M}"
        for reg in regs:
            uid = reg["user_id"]
            if uid in self.guest_set:
                continue  # guest profiles have no inbox anybody reads
            if event["status"] == "cancelled" and reg["status"] != "cancelled":
                moment = starts - timedelta(days=rng.randint(1, 3))
                messages.append(self.message(uid, "event_cancelled", f"Отменено: {event['title']}",
                                             f"К сожалению, «{event['title']}» {when} отменяется. "
                                             "Следите за афишей — скоро будет новая дата.", event, moment,
                                             f"cancelled:{event['id']}:{uid}"))
            elif reg["status"] == "confirmed" and reg["source"] != "walk_in" and starts - timedelta(days=1) < self.now:
                moment = starts - timedelta(days=1, hours=rng.randint(0, 3))
                if reg["created_at"] < moment:
                    messages.append(self.message(uid, "event_reminder", f"Завтра: {event['title']}",
                                                 f"Напоминаем: «{event['title']}» {when}. Билет — в разделе "
                                                 "«Мои мероприятия».", event, moment, f"reminder:{event['id']}:{uid}"))
            if reg["status"] == "confirmed" and rng.random() < 0.03 and event["capacity"]:
                moment = reg["created_at"] + timedelta(hours=rng.randint(1, 48))
                if moment < min(starts, self.now):
                    messages.append(self.message(uid, "waitlist_promoted", f"Место освободилось: {event['title']}",
                                                 f"Вы в списке участников «{event['title']}» {when}. Билет уже ждёт "
                                                 "вас в разделе «Мои мероприятия».", event, moment, None))

    def message(self, uid: int, kind: str, subject: str, body: str, event: dict, moment: datetime, key) -> dict:
        read = moment + timedelta(hours=self.rng.randint(1, 30)) if self.rng.random() < 0.6 else None
        note_id = self.next_id("notifications")
        channels = (("email",) if uid in self.email_ok else ()) + self.messenger_links_of(uid)
        for channel in channels:
            failed = self.messenger_rng.random() < 0.02
            self.deliveries.append({
                "id": self.next_id("notification_deliveries"), "notification_id": note_id, "channel": channel,
                "state": "failed" if failed else "sent", "attempts": 6 if failed else 1, "next_attempt_at": moment,
                "sent_at": None if failed else moment + timedelta(seconds=self.messenger_rng.randint(5, 90)),
                "error": "timed out" if failed else None})
        return {"id": note_id, "user_id": uid, "kind": kind, "subject": subject[:200],
                "body": body, "link": f"/events/{event['id']}", "dedupe_key": key, "created_at": moment,
                "read_at": read if read and read < self.now else None, "ticket_code": None}

    def messenger_links_of(self, uid: int) -> tuple[str, ...]:
        """A third of the visitors get their messages in Telegram, one in seven in VK (decided once)."""
        if uid not in self.messengers_of:
            rng = self.messenger_rng
            self.messengers_of[uid] = tuple(name for name, share in (("telegram", 0.35), ("vk", 0.15))
                                            if rng.random() < share)
        return self.messengers_of[uid]

    def messengers(self) -> None:
        """The visitors' messenger links (each made by a used deep link), a few channel choices, and the
        announcements staff posted for most published events."""
        rng = self.messenger_rng
        links, tokens, preferences = [], [], []
        for uid in self.people_ids:
            if uid in self.guest_set:
                continue
            for channel in self.messenger_links_of(uid):
                linked = self.now - timedelta(days=rng.randint(1, 300))
                links.append({"id": self.next_id("messenger_links"), "user_id": uid, "channel": channel,
                              "chat_id": str((100_000_000 if channel == "telegram" else 200_000_000) + uid),
                              "display_name": None, "linked_at": linked})
                tokens.append({"id": self.next_id("messenger_link_tokens"), "user_id": uid, "channel": channel,
                               "token_hash": secrets.token_hex(32), "created_at": linked - timedelta(minutes=2),
                               "expires_at": linked + timedelta(hours=24), "used_at": linked})
                if rng.random() < 0.1:
                    preferences.append({"user_id": uid, "topic": "changes", "channel": channel, "enabled": False})
        self.write("messenger_links", links)
        self.write("messenger_link_tokens", tokens)
        self.write("channel_preferences", preferences)
        rows = []
        for event in self.event_info:
            if not event["published"] or event["status"] != "scheduled" or rng.random() < 0.3:
                continue
            moment = (event.get("published_at") or event["created_at"]) + timedelta(hours=1)
            for channel in ("telegram", "vk"):
                rows.append({"id": self.next_id("announcements"), "event_id": event["id"], "channel": channel,
                             "state": "sent", "external_id": str(rng.randint(100, 99999)), "error": None,
                             "created_at": min(moment, self.now),
                             "created_by_id": rng.choice(self.staff_ids) if self.staff_ids else None})
        self.write("announcements", rows)

    def voice(self) -> None:
        """Ratings from about a quarter of the people checked in to each ended event, a few with a comment,
        and a year of ideas with their votes (the committee dashboard's youth-voice section reads them).
        Their own random numbers, so the rest of the year stays as it was without them."""
        rng = random.Random(self.rng.getstate()[1][1])
        ended = {e["id"]: e for e in self.event_info if e["ends_at"] <= self.now and e["status"] == "scheduled"}
        checkins = db.session.execute(select(db.metadata.tables["checkins"].c["event_id", "user_id"])
                                      .where(db.metadata.tables["checkins"].c.undone_at.is_(None))).all()
        feedback, rated = [], set()
        for event_id, uid in checkins:
            event = ended.get(event_id)
            if event is None or uid is None or (event_id, uid) in rated or rng.random() > 0.25:
                continue
            rated.add((event_id, uid))
            moment = event["ends_at"] + timedelta(hours=rng.uniform(1, 40))
            feedback.append({"id": self.next_id("event_feedback"), "event_id": event_id, "user_id": uid,
                             "rating": rng.choices((1, 2, 3, 4, 5), (2, 3, 10, 35, 50))[0],
                             "comment": rng.choice(FEEDBACK_COMMENTS) if rng.random() < 0.15 else None,
                             "age_group": self.age_group_on(uid, event["starts_at"]),
                             "created_at": moment, "updated_at": moment, "hidden_at": None, "hidden_by_id": None})
        self.write("event_feedback", feedback)
        visitors = [uid for uid in self.people_ids if uid not in self.guest_set]
        ideas, votes = [], []
        for _ in range(max(3, len(visitors) // 200)):
            created = self.now - timedelta(days=rng.uniform(1, PAST_DAYS))
            idea_id = self.next_id("ideas")
            status = rng.choices(("proposed", "considered", "declined"), (6, 3, 1))[0]
            ideas.append({"id": idea_id, "author_id": rng.choice(visitors), "title": rng.choice(IDEA_TITLES),
                          "description": "Давайте устроим это в антикафе.", "category": rng.choice(
                              sorted(KINDS)), "ages": rng.choice(("all", "14_17", "18_24")),
                          "status": status, "event_id": None,
                          "decline_reason": "Уже было в этом месяце." if status == "declined" else None,
                          "created_at": created, "decided_at": created + timedelta(days=3) if status != "proposed"
                          else None})
            for uid in rng.sample(visitors, min(len(visitors), rng.randint(0, 40))):
                votes.append({"id": self.next_id("idea_votes"), "idea_id": idea_id, "user_id": uid,
                              "age_group": self.age_group_on(uid, created), "created_at": created + timedelta(
                                  hours=rng.uniform(1, 72))})
        self.write("ideas", ideas)
        self.write("idea_votes", votes)

    def contests(self) -> None:
        """A contest at each ended contest event (at least two ended events): a video contest (entries from
        anybody, one vote per account) and a live one (entries and votes from the people checked in), in
        turn; voting during the event, a jury weighing a third of the time. Their own random numbers."""
        rng = random.Random(self.rng.getstate()[1][2])
        ended = [e for e in self.event_info if e["ends_at"] <= self.now and e["status"] == "scheduled"]
        held = [e for e in ended if e["category"] == "contest"] or ended[:2]
        table = db.metadata.tables["checkins"]
        inside: dict[int, list[int]] = {}
        for event_id, uid in db.session.execute(select(table.c["event_id", "user_id"]).where(
                table.c.undone_at.is_(None), table.c.user_id.is_not(None)).order_by(table.c.id)).all():
            inside.setdefault(event_id, []).append(uid)
        visitors = [uid for uid in self.people_ids if uid not in self.guest_set]
        contests, entries, votes = [], [], []
        for number, event in enumerate(held):
            kind = "video" if number % 2 == 0 else "live"
            people = visitors if kind == "video" else sorted(set(inside.get(event["id"], [])))
            if not people:
                continue
            contest_id, weight = self.next_id("contests"), rng.choice((0, 0, 30, 50))
            contests.append({"id": contest_id, "event_id": event["id"], "title": f"Конкурс: {event['title']}",
                             "kind": kind, "rules": None, "opens_at": event["starts_at"],
                             "closes_at": event["ends_at"], "jury_weight": weight,
                             "created_at": event["starts_at"] - timedelta(days=14)})
            entrants = rng.sample(people, min(len(people), rng.randint(3, 8)))
            approved = []
            for slot, uid in enumerate(entrants, start=1):
                entry_id = self.next_id("contest_entries")
                status = "approved" if rng.random() < 0.85 else "rejected"
                entries.append({"id": entry_id, "contest_id": contest_id, "user_id": uid,
                                "title": f"Номер {slot}", "status": status,
                                "video_url": f"https://rutube.ru/video/{contest_id}x{slot}/" if kind == "video"
                                else None, "running_order": slot if status == "approved" else None,
                                "jury_score": rng.randint(3, 10) if weight and status == "approved" else None,
                                "created_at": event["starts_at"] - timedelta(days=rng.uniform(1, 10)),
                                "decided_at": event["starts_at"] - timedelta(hours=12)})
                if status == "approved":
                    approved.append(entry_id)
            if not approved:
                continue
            for uid in rng.sample(people, min(len(people), rng.randint(1, 60))):
                votes.append({"id": self.next_id("contest_votes"), "contest_id": contest_id,
                              "entry_id": rng.choice(approved), "user_id": uid,
                              "created_at": event["starts_at"] + timedelta(minutes=rng.uniform(1, 90))})
        self.write("contests", contests)
        self.write("contest_entries", entries)
        self.write("contest_votes", votes)

    def age_group_on(self, uid: int, moment: datetime) -> str:
        """The stats age group of a person on the venue date of `moment`."""
        birth, day = self.birth_by_id.get(uid), moment.astimezone(self.tz).date()
        if birth is None:
            return age_group(None)
        return age_group(day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day)))

    def event_registrations(self, event: dict, count: int, regs: list, checkins: list, scans: list) -> int:
        """Add up to `count` registrations of one event (and its check-ins); return how many were made."""
        rng = self.rng
        starts, ends, capacity = event["starts_at"], event["ends_at"], event["capacity"]
        event_day = starts.astimezone(self.tz).date()
        min_age, max_age = event["min_age"], event["max_age"]

        def eligible(birth):
            if birth is None:
                return True
            age = (event_day - birth).days // 365
            return (min_age is None or age >= min_age) and (max_age is None or age <= max_age)

        opens = event["registration_opens_at"] or event["created_at"]
        past = ends <= self.now
        walk_ins = rng.choice((0, 0, 1, 1, 2, 3)) if past and event["status"] == "scheduled" else 0
        walk_ins = min(walk_ins, count)
        taken: set[int] = set()
        arrivals = []  # (created_at, user_id, source)
        window = max((min(starts, self.now) - opens).total_seconds(), 3600)
        for _ in range(count - walk_ins):
            # most people register in the last days before the start
            moment = opens + timedelta(seconds=window * (1 - rng.random() ** 2.5))
            uid = self.pick_person(moment, eligible, taken)
            if uid is None:
                continue
            taken.add(uid)
            arrivals.append((moment, uid, "staff" if rng.random() < 0.12 else "self"))
        arrivals.sort()
        show_rate = rng.uniform(0.72, 0.88)
        confirmed = waitlisted = 0
        made = 0
        staff = self.staff_ids
        for moment, uid, source in arrivals:
            cancel = rng.random() < 0.08
            rid = self.next_id("registrations")
            created_by = rng.choice(staff) if source == "staff" else None
            made += 1
            if cancel:
                at = moment + (min(starts, self.now) - moment) * rng.random()
                held = moment if rng.random() < 0.7 else None
                state = seat_rows.cancelled(at, confirmed_at=held, ticket_code=random_code(TICKET_BITS))
            elif capacity is None or confirmed < capacity:
                confirmed += 1
                state = seat_rows.confirmed(moment, ticket_code=random_code(TICKET_BITS))
            else:
                waitlisted += 1
                state = seat_rows.waitlisted(waitlisted)
            row = {"id": rid, **seat_rows.registration_row(event_id=event["id"], user_id=uid, created_at=moment,
                                                           source=source, created_by_id=created_by, state=state)}
            regs.append(row)
            if cancel:
                continue
            if row["status"] == "confirmed" and past and event["status"] == "scheduled":
                if rng.random() < show_rate:
                    self.check_in(event, row, checkins, scans)
                elif rng.random() < 0.02:
                    scans.append(self.scan(starts - timedelta(hours=3), TICKET_BASE + row["ticket_code"],
                                           "outside_checkin_window", event["id"], rid, user_id=uid))
        pool = [g for g in self.guest_ids if g not in taken]
        for _ in range(walk_ins):
            if capacity is not None and confirmed >= capacity and rng.random() < 0.9:
                break  # full: staff override for a walk-in only now and then
            uid = rng.choice(pool) if pool and rng.random() < 0.6 else self.pick_person(starts, eligible, taken)
            if uid is None or uid in taken:
                continue
            taken.add(uid)
            moment = starts + timedelta(minutes=rng.randint(-10, 30))
            rid = self.next_id("registrations")
            row = {"id": rid, **seat_rows.registration_row(
                event_id=event["id"], user_id=uid, created_at=moment, source="walk_in", created_by_id=rng.choice(staff),
                state=seat_rows.confirmed(moment, ticket_code=random_code(TICKET_BITS)))}
            regs.append(row)
            confirmed += 1
            made += 1
            self.check_in(event, row, checkins, scans, walk_in=True)
        return made

    def check_in(self, event: dict, reg: dict, checkins: list, scans: list, walk_in: bool = False) -> None:
        rng = self.rng
        starts = event["starts_at"]
        moment = reg["created_at"] + timedelta(seconds=20) if walk_in else (
            starts + timedelta(minutes=max(-45.0, min(rng.gauss(-8, 12), 60.0))))
        staff, device = rng.choice(self.staff_ids), rng.choice(DEVICES)
        undone = not walk_in and rng.random() < 0.005
        cid = self.next_id("checkins")
        uid = reg["user_id"]
        checkins.append({"id": cid, "registration_id": reg["id"], "event_id": event["id"], "user_id": uid,
                         "checked_in_at": moment, "staff_id": staff, "device": device, "walk_in": walk_in,
                         "undone_at": moment + timedelta(minutes=2) if undone else None,
                         "undone_by_id": staff if undone else None, "override_reason": None})
        if walk_in:  # registered and let in by hand at the door
            scans.append(self.scan(moment, f"walk-in:{uid}", "checked_in", event["id"], reg["id"], staff, device,
                                   user_id=uid, checkin_id=cid, source="walk_in"))
            return
        raw = TICKET_BASE + reg["ticket_code"]
        scans.append(self.scan(moment, raw, "checked_in", event["id"], reg["id"], staff, device, user_id=uid,
                               checkin_id=cid))
        if rng.random() < 0.05:  # the camera read it twice, or a second phone scanned it
            scans.append(self.scan(moment + timedelta(seconds=rng.randint(3, 90)), raw, "already_checked_in",
                                   event["id"], reg["id"], staff, device, user_id=uid, checkin_id=cid))
        if undone:
            scans.append(self.scan(moment + timedelta(minutes=2), f"checkin:{cid}", "undone", event["id"],
                                   reg["id"], staff, device, user_id=uid, checkin_id=cid, source="undo"))
        if rng.random() < 0.015:
            scans.append(self.scan(moment + timedelta(seconds=5), random_code(60), "unknown_code", event["id"],
                                   None, staff, device))
        if event["entry"] == "timed" and not undone:
            self.timed_checkins.append((reg["user_id"], moment, reg["id"], event["ends_at"]))

    def scan(self, moment, raw, result, event_id, registration_id, staff=None, device=None, *, user_id=None,
             checkin_id=None, source=None) -> dict:
        """A scan log entry: the camera mostly, now and then a typed code or a photo."""
        rng = self.rng
        nonce = uuid.uuid4().hex if rng.random() < 0.3 else None
        status = 404 if result == "unknown_code" else 409 if result in REFUSED else 200
        return {"id": self.next_id("scan_log"), "at": moment, "staff_id": staff or rng.choice(self.staff_ids),
                "device": device or rng.choice(DEVICES), "raw": raw, "result": result, "event_id": event_id,
                "registration_id": registration_id, "nonce": nonce,
                "response": json.dumps({"status": status, "body": {"result": result}}) if nonce else None,
                "source": source or rng.choices(["camera", "typed", "photo"], [90, 8, 2])[0], "user_id": user_id,
                "checkin_id": checkin_id, "note": None}

    # -- timed visits ---------------------------------------------------------------------------

    def tariffs(self) -> None:
        """The fresh install's tariff, a second version mid-year (volunteers' discount), the holidays."""
        from anticafe.visits import pricing

        admin = self.staff_ids[-1]
        base = pricing.default_rules()
        self.volunteers_from = self.local(self.first_day + timedelta(days=PAST_DAYS // 2), 11)
        second = pricing.TariffRules(weekday=base.weekday, weekend=base.weekend, unit_minutes=base.unit_minutes,
                                     grace_minutes=base.grace_minutes, minimum_charge=base.minimum_charge,
                                     discounts={**base.discounts, "volunteer": Decimal(50)})
        self.tariff_rules = {1: base, 2: second}
        self.write("tariffs", [
            {"id": 1, "version": 1, "rules": base.to_dict(), "note": "Тариф по умолчанию",
             "created_at": self.local(self.first_day, 10) - timedelta(days=200), "created_by_id": admin},
            {"id": 2, "version": 2, "rules": second.to_dict(), "note": "Скидка 50 % волонтёрам молодёжного комитета",
             "created_at": self.volunteers_from, "created_by_id": admin}])
        self.ids["tariffs"] = 2
        self.write("guest_categories", [{"code": "volunteer", "name": "Волонтёр молодёжного комитета",
                                         "created_at": self.volunteers_from}])
        days = {}
        for year in range(self.first_day.year, self.today.year + 2):
            for (month, day), name in HOLIDAY_NAMES.items():
                days[date(year, month, day)] = name
        self.holidays = set(days)
        self.write("holidays", [{"day": d, "name": n} for d, n in sorted(days.items())])

    def passes(self) -> None:
        """Pass types, and the passes regulars bought or the committee granted during the year."""
        rng = self.rng
        made = self.local(self.first_day, 10) - timedelta(days=60)
        types = [
            {"id": 1, "name": "10 часов", "kind": "package", "minutes": 600, "validity_days": 90,
             "weekdays_only": False, "price": Decimal("1500.00"), "staff_may_issue": True,
             "committee_may_issue": False, "active": True, "description": "Десять часов в антикафе на три месяца.",
             "created_at": made},
            {"id": 2, "name": "Будни: 20 часов", "kind": "package", "minutes": 1200, "validity_days": 60,
             "weekdays_only": True, "price": Decimal("2400.00"), "staff_may_issue": True,
             "committee_may_issue": False, "active": True, "description": "С понедельника по пятницу.",
             "created_at": made},
            {"id": 3, "name": "Месяц безлимит", "kind": "membership", "minutes": None, "validity_days": 30,
             "weekdays_only": False, "price": Decimal("2500.00"), "staff_may_issue": True,
             "committee_may_issue": False, "active": True, "description": "Сколько угодно времени 30 дней.",
             "created_at": made},
            {"id": 4, "name": "Социальная программа", "kind": "allowance", "minutes": 600, "validity_days": None,
             "weekdays_only": False, "price": Decimal("0.00"), "staff_may_issue": False,
             "committee_may_issue": True, "active": True,
             "description": "10 часов в месяц по решению молодёжного комитета.", "created_at": made}]
        self.ids["pass_types"] = len(types)
        self.write("pass_types", types)
        self.pass_rows = []
        self.passes_by_user: dict[int, list[dict]] = {}
        committee = self.committee_ids
        weights = [b - a for a, b in zip([0.0, *self.people_cum], self.people_cum, strict=False)]
        mean = sum(weights) / max(len(weights), 1)
        for uid, weight in zip(self.people_ids, weights, strict=True):
            # regulars buy passes: the more often someone comes, the likelier they hold one
            roll = rng.random() / min(weight / mean, 8.0)
            kind = 1 if roll < 0.03 else 2 if roll < 0.04 else 3 if roll < 0.05 else 4 if roll < 0.065 else None
            if kind is None:
                continue
            pass_type = types[kind - 1]
            first = self.first_day + timedelta(days=rng.randint(0, PAST_DAYS - 1))
            if pass_type["kind"] == "allowance":
                first = first.replace(day=1)
                last = (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
            else:
                last = first + timedelta(days=pass_type["validity_days"] - 1)
            granted = pass_type["kind"] == "allowance"
            row = {"id": self.next_id("passes"), "type_id": pass_type["id"], "user_id": uid,
                   "kind": pass_type["kind"], "name": pass_type["name"], "weekdays_only": pass_type["weekdays_only"],
                   "starts_on": first, "ends_on": last, "minutes_total": pass_type["minutes"],
                   "minutes_remaining": pass_type["minutes"], "price": pass_type["price"],
                   "payment_method": None if granted else rng.choice(("cash", "card", "transfer")),
                   "reason": "Решение молодёжного комитета: социальная программа" if granted else None,
                   "issued_by_id": rng.choice(committee) if granted else rng.choice(self.staff_ids),
                   "issued_at": self.local(first, 12), "cancelled_at": None, "cancelled_by_id": None,
                   "cancel_reason": None}
            self.pass_rows.append(row)
            self.passes_by_user.setdefault(uid, []).append(row)
        self.write("passes", self.pass_rows)

    def prepaid_for(self, uid: int | None, day: date, weekend: bool) -> list:
        """What the person's passes can pay on `day`: memberships first, then minutes, soonest to expire."""
        from anticafe.visits import pricing

        offers = []
        for row in sorted(self.passes_by_user.get(uid, ()), key=lambda r: (r["kind"] != "membership", r["ends_on"])):
            if not row["starts_on"] <= day <= row["ends_on"] or (row["weekdays_only"] and weekend):
                continue
            if row["kind"] != "membership" and not row["minutes_remaining"]:
                continue
            offers.append(pricing.Prepaid(str(row["id"]), row["name"], row["minutes_remaining"]))
        return offers

    def visits(self) -> None:
        """Timed visits over the past year: timed events' check-ins first, then the everyday flow.

        A few arrive as a company and one of them pays for all (a group bill); guests without an
        account come as the guest profiles staff made at the door.
        """
        rng = self.rng
        self.tariffs()
        self.passes()
        days = [self.first_day + timedelta(days=i) for i in range(PAST_DAYS)]
        weights = self.day_weights(days, VISIT_WEEKDAYS)
        parties = []  # (started_at, [user_id or None, ...], registration_id, event end)
        for uid, moment, rid, event_end in self.timed_checkins[:self.n_visits]:
            parties.append((moment, [uid], rid, event_end))
        planned = len(parties)
        while planned < self.n_visits:
            day = rng.choices(days, weights)[0]
            hour = self.weighted(VISIT_HOURS_WEEKEND if self.is_weekend(day) else VISIT_HOURS_WEEKDAY)
            moment = self.local(day, hour, rng.randint(0, 59)) + timedelta(seconds=rng.randint(0, 59))
            size = min(rng.choice((2, 2, 3, 4)) if rng.random() < 0.06 else 1, self.n_visits - planned)
            members = []
            for _ in range(size):
                roll = rng.random()
                if roll < 0.85:
                    members.append(self.pick_person(moment, exclude=members))
                elif roll < 0.97 and self.guest_ids:
                    members.append(self.guest_ids[min(int(rng.paretovariate(1.5)) - 1, len(self.guest_ids) - 1)])
                else:
                    members.append(None)
            parties.append((moment, members, None, None))
            planned += size
        parties.sort(key=lambda p: p[0])
        self.batches = {"bills": [], "visits": [], "visit_segments": [], "visit_corrections": [], "pass_uses": [],
                        "scan_log": []}
        for moment, members, rid, event_end in parties:
            self.party(moment, members, rid, event_end)
            if len(self.batches["visits"]) >= BATCH * 4:
                self.flush_visits()
        self.flush_visits()
        balances = [{"pass_id": p["id"], "left": p["minutes_remaining"]} for p in self.pass_rows
                    if p["minutes_remaining"] is not None]
        passes = db.metadata.tables["passes"]
        db.session.execute(update(passes).where(passes.c.id == bindparam("pass_id"))
                           .values(minutes_remaining=bindparam("left")), balances)

    def flush_visits(self) -> None:
        for table in ("bills", "visits", "visit_segments", "visit_corrections", "pass_uses", "scan_log"):
            self.write(table, self.batches[table])
            self.batches[table].clear()

    def party(self, started, members, rid, event_end) -> None:
        """Some people who came in together: their visits, and the bill one of them paid."""
        rng = self.rng
        day = started.astimezone(self.tz).date()
        closing = self.local(day, CLOSES)
        if event_end is not None:
            minutes = (event_end - started).total_seconds() / 60 + rng.uniform(-20, 40)
        else:
            minutes = rng.lognormvariate(math.log(100), 0.55)
        minutes = max(20.0, min(minutes, MAX_STAY_MINUTES))
        ended = started + timedelta(minutes=minutes)
        review = False
        if ended > closing:  # close-day ended it at closing time and flagged it
            ended, review = max(closing, started + timedelta(minutes=5)), rng.random() < 0.5
        method = rng.choices([m for m, _ in PAYMENT_METHODS], [w for _, w in PAYMENT_METHODS])[0]
        # a guest or two left yesterday before paying; staff settle it when they come back
        unpaid = ended > self.now - timedelta(days=1) and rng.random() < 0.02
        staff = rng.choice(self.staff_ids)
        paid_at = ended + timedelta(seconds=rng.randint(20, 240))
        note = rng.choice(SUBSIDY_NOTES) if method == "subsidised" else None
        bill_id = None if unpaid else self.next_id("bills")
        total = Decimal(0)
        payer = None
        for n, uid in enumerate(members):
            # companions leave within a few minutes of each other
            own_end = min(ended + timedelta(minutes=rng.randint(-3, 3)), closing,
                          started + timedelta(minutes=MAX_STAY_MINUTES)) if n else ended
            own_end = max(own_end, started + timedelta(minutes=5))
            visit = self.visit(started, own_end, uid, rid, staff, review)
            if visit["amount"] == 0:  # a pass paid it all: closed at the stop, nothing to bill
                visit.update(status="paid", payment_method="cash", paid_at=own_end)
            elif unpaid:
                visit["status"] = "stopped"
            else:
                visit.update(status="paid", payment_method=method, paid_at=paid_at, note=note or visit["note"],
                             bill_id=bill_id)
                total += visit["amount"]
                payer = payer or visit
        if not unpaid and payer is not None:
            self.batches["bills"].append({
                "id": bill_id, "payer_id": payer["user_id"], "payer_name": self.display_name(payer)[:120],
                "payment_method": method, "total": total, "note": note, "paid_at": paid_at, "staff_id": staff})

    def display_name(self, visit: dict) -> str:
        return visit["guest_name"] or self.name_by_id.get(visit["user_id"], "Гость")

    def visit(self, started, ended, uid, rid, staff, review) -> dict:
        from anticafe.visits import pricing

        rng = self.rng
        vid = self.next_id("visits")
        pause = None
        if (ended - started) > timedelta(minutes=60) and rng.random() < 0.1:
            pause_start = started + (ended - started) * rng.uniform(0.3, 0.6)
            pause = (pause_start, pause_start + timedelta(minutes=rng.randint(10, 40)))
            if pause[1] >= ended:
                pause = None
        bounds = [(started, pause[0]), (pause[1], ended)] if pause else [(started, ended)]
        if uid is not None:
            category = self.category_by_id.get(uid, "standard")
        else:
            category = rng.choices(["standard", "student", "schoolchild"], [60, 25, 15])[0]
        version = 2 if started >= self.volunteers_from else 1
        day = started.astimezone(self.tz).date()
        kind = pricing.day_kind(day, self.holidays if day in self.holidays else ())
        offers = self.prepaid_for(uid, day, kind == pricing.DayKind.WEEKEND) if uid in self.passes_by_user else []
        quote = pricing.quote(self.tariff_rules[version], bounds, day=kind, category=category, prepaid=offers)
        for used in quote.prepaid_used:
            held = next(r for r in self.passes_by_user[uid] if str(r["id"]) == used.key)
            if held["minutes_remaining"] is not None:
                held["minutes_remaining"] -= used.minutes
            self.batches["pass_uses"].append({"id": self.next_id("pass_uses"), "pass_id": held["id"],
                                              "visit_id": vid, "minutes": used.minutes, "created_at": ended,
                                              "reversed_at": None})
        guest = uid is None or uid in self.guest_set
        row = {
            "id": vid, "user_id": uid,
            "guest_name": (self.name_by_id[uid] if uid else self.name()[0]) if guest else None,
            "guest_phone": self.phone() if uid is None and rng.random() < 0.5 else None, "guest_category": category,
            "started_at": started, "ended_at": ended, "billed_minutes": quote.billed_minutes, "amount": quote.amount,
            "payment_method": None, "paid_at": None, "bill_id": None,
            "note": "Закрыто автоматически в конце дня" if review else None, "needs_review": review,
            "started_by_id": staff, "stopped_by_id": staff, "registration_id": rid, "tariff_id": version,
            "day_kind": quote.day_kind.value, "breakdown": [line.to_dict() for line in quote.lines],
            "override_reason": None,
        }
        self.batches["visits"].append(row)
        for a, b in bounds:
            self.batches["visit_segments"].append({"id": self.next_id("visit_segments"), "visit_id": vid,
                                                   "started_at": a, "ended_at": b})
        if rng.random() < 0.01:  # staff fixed a forgotten stop, the amount shown is the corrected one
            longer = quote.amount + Decimal(rng.choice((30, 60, 90)))
            self.batches["visit_corrections"].append({
                "id": self.next_id("visit_corrections"), "visit_id": vid, "at": ended + timedelta(minutes=30),
                "staff_id": staff, "reason": "Гость забыл отметиться на выходе, время по словам администратора",
                "changes": {"ended_at": [(ended + timedelta(minutes=40)).isoformat(), ended.isoformat()]},
                "amount_before": longer, "amount_after": quote.amount})
        if uid and not guest and rid is None and rng.random() < 0.7:  # started and stopped with the guest card
            card = self.card_by_id[uid]
            self.batches["scan_log"].append(self.scan(started, card, "visit_started", None, None, staff, user_id=uid))
            self.batches["scan_log"].append(self.scan(ended, card, "visit_stopped", None, None, user_id=uid))
        return row

    # -- the rest ---------------------------------------------------------------------------------

    # -- bookings ---------------------------------------------------------------------------------

    def bookings(self) -> None:
        """Zones booked for birthdays, clubs and consoles: never overlapping an event or each other.

        About 3 bookings a day across the zones (scaled with the visits), on the 30-minute grid, 1–4 hours,
        with the 15-minute cleaning buffer; past ones checked in, released, declined or cancelled, the month
        ahead requested or confirmed.
        """
        rng = self.rng
        slot, buffer = timedelta(minutes=30), timedelta(minutes=15)
        busy: dict[int, list[tuple[datetime, datetime]]] = {}
        for event in self.event_info:
            if event["zone_id"] is not None and event["status"] == "scheduled":
                busy.setdefault(event["zone_id"], []).append((event["starts_at"], event["ends_at"]))
        zones = [(self.zone_ids["Игровая"], 12, ["День рождения", "Турнир по «Колонизаторам» с друзьями",
                                                   "Встреча класса"], 5),
                 (self.zone_ids["Консольный угол"], 4, ["FIFA с друзьями", "Mortal Kombat: реванш",
                                                        "Семейный вечер"], 4),
                 (self.zone_ids["Переговорная"], 10, ["Клуб дебатов", "Занятие по английскому",
                                                      "Собрание волонтёров", "Подготовка к олимпиаде"], 3),
                 (self.zone_ids["Большой зал"], 40, ["Репетиция выпускного", "Собрание школьного актива"], 1)]
        prices = {self.zone_ids["Консольный угол"]: Decimal("300.00"), self.zone_ids["Переговорная"]: Decimal("500.00")}
        last_day = self.today + timedelta(days=AHEAD_DAYS)
        days = [self.first_day + timedelta(days=i) for i in range((last_day - self.first_day).days + 1)]
        per_day = 3 * self.n_visits / 60000
        weights = [w for *_, w in zones]
        rows = []
        for day in days:
            for _ in range(self._poisson(per_day * (1.4 if self.is_weekend(day) else 0.8))):
                zid, capacity, purposes, _weight = rng.choices(zones, weights)[0]
                start = self.local(day, rng.randint(OPENS, CLOSES - 2), rng.choice((0, 30)))
                end = min(start + slot * rng.randint(2, 8), self.local(day, CLOSES))
                taken = busy.setdefault(zid, [])
                if any(start < other_end + buffer and other_start < end + buffer for other_start, other_end in taken):
                    continue
                if start < self.now:
                    status = rng.choices(["checked_in", "released", "declined", "cancelled"], [80, 6, 6, 8])[0]
                else:
                    status = rng.choices(["confirmed", "requested", "cancelled"], [70, 22, 8])[0]
                if status in ("checked_in", "released", "confirmed"):
                    taken.append((start, end))
                uid = self.pick_person(created := start - timedelta(days=rng.randint(1, 20), hours=rng.randint(0, 10)))
                decided = created + timedelta(hours=rng.randint(1, 30)) if status != "requested" else None
                price = prices.get(zid)
                hours = Decimal((end - start) // timedelta(minutes=30)) / 2
                paid = status == "checked_in" and price is not None
                rows.append({
                    "id": self.next_id("bookings"), "zone_id": zid, "user_id": uid,
                    "booker_name": self.name_by_id.get(uid) or self.name()[0], "contact": self.phone(),
                    "party_size": rng.randint(2, capacity), "purpose": rng.choice(purposes),
                    "starts_at": start, "ends_at": end, "status": status,
                    "staff_message": "Извините, в это время зал на обслуживании" if status == "declined" else None,
                    "price_per_hour": price, "amount": price * hours if paid else None,
                    "payment_method": rng.choice(("cash", "card")) if paid else None,
                    "paid_at": end if paid else None, "series_id": None, "created_by_id": uid,
                    "created_at": created, "decided_at": decided,
                    "decided_by_id": rng.choice(self.staff_ids) if decided else None,
                    "cancelled_at": created + timedelta(days=1) if status == "cancelled" else None,
                    "cancelled_by_id": uid if status == "cancelled" else None,
                    "checked_in_at": start + timedelta(minutes=rng.randint(0, 10)) if status == "checked_in" else None,
                    "checked_in_by_id": rng.choice(self.staff_ids) if status == "checked_in" else None,
                    "released_at": start + timedelta(minutes=15) if status == "released" else None,
                    "updated_at": decided or created, "sequence": 0,
                })
        columns = db.metadata.tables["bookings"].c
        self.write("bookings", [{k: v for k, v in row.items() if k in columns} for row in rows])

    def _poisson(self, mean: float) -> int:
        """A Poisson-distributed count (Knuth's method: means here are small)."""
        limit, k, product = math.exp(-mean), 0, self.rng.random()
        while product > limit:
            k += 1
            product *= self.rng.random()
        return k

    def tokens(self) -> None:
        """The door phones' API tokens (their raw values are not kept: the benchmark makes its own)."""
        from anticafe.accounts.models import ApiToken

        rows = []
        for uid in self.staff_ids:
            created = self.now - timedelta(days=self.rng.randint(1, 25))
            rows.append({"id": self.next_id("api_tokens"), "user_id": uid,
                         "token_hash": ApiToken.hash(secrets.token_urlsafe(32)), "label": self.rng.choice(DEVICES),
                         "created_at": created, "expires_at": created + timedelta(days=30),
                         "last_used_at": created + timedelta(hours=self.rng.randint(1, 20)), "revoked_at": None})
        self.write("api_tokens", rows)

    def fix_sequences(self) -> None:
        """Move PostgreSQL's id sequences past the explicit ids (SQLite needs nothing)."""
        if db.engine.dialect.name != "postgresql":
            return
        for table in self.ids:
            db.session.execute(text(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"(SELECT COALESCE(MAX(id), 0) + 1 FROM {table}), false)"))


def row_counts() -> dict[str, int]:
    """Return the number of rows in every table of the app (for the benchmark's report and the tests)."""
    return {name: db.session.scalar(select(func.count()).select_from(table))
            for name, table in sorted(db.metadata.tables.items())}
