"""Demo programme: last month (for the statistics), this month and next, as the café really plans it.

Mafia every Friday as a weekly series, a Monopoly tournament, a guitar-and-tea evening, a talk show with
a guest, an open mic, a business training, children's Saturdays, a pyjama party, a video contest and,
when October is in range, the Halloween disco. One event is cancelled and one is still a draft.
"""

import calendar
from datetime import date, datetime, timedelta

from ..db import utcnow
from ..extensions import db
from ..timeutil import from_venue, venue_today
from .models import Category, Entry, Event, EventSeries, EventStatus
from .recurrence import SeriesRule, occurrences

COMMITTEE = "Молодёжный комитет"

MAFIA = """Классическая «Мафия» с ведущим: город засыпает, просыпается мафия…

- играем 3–4 партии за вечер, новичкам объясним правила за пять минут;
- лучший игрок месяца получает бесплатный вечер в антикафе;
- чай, печенье и настолки между партиями — как всегда, включены.

Вход — по обычному тарифу антикафе (платите за время)."""

MONOPOLY = """Турнир по «Монополии»: четыре стола, два тура и финал.

Покупайте улицы, стройте отели и разоряйте соперников — по-честному и с улыбкой. Победителю — фирменная кружка
и абонемент на 5 часов. Регистрация обязательна: столов всего четыре."""

GUITAR = """Тихий вечер под гитару: поём любимое, пьём чай из самовара, знакомимся.

Приносите свою гитару или укулеле, если есть. Слова песен выведем на экран — петь можно всем, даже тем,
кто «не умеет»."""

TALK_GUESTS = [
    ("Руслан Ахметов, основатель IT-стартапа",
     "как из школьного хобби вырос продукт, которым пользуются 50 000 человек"),
    ("Анастасия Белова, волонтёр «Поискового отряда»", "зачем подростку волонтёрство и с чего начать"),
    ("Игорь Савченко, тренер сборной области по самбо", "про режим, поражения и как не бросить спорт"),
]

OPEN_MIC = """Стендап-конкурс «Открытый микрофон»: пять минут на сцене у каждого участника.

Жюри — резиденты городского стендап-клуба, приз зрительских симпатий выбирает зал. Хотите выступить —
зарегистрируйтесь и напишите администратору тему своего выступления. Без мата и оскорблений."""

TRAININGS = [
    ("Бизнес-тренинг «Своё дело с 18 лет»", "Разбираем, как проверить идею, посчитать расходы и зарегистрировать "
                                           "самозанятость. Ведёт предприниматель Елена Кравец."),
    ("Тренинг «Публичные выступления без страха»", "Учимся говорить уверенно: дыхание, структура речи, "
                                                  "работа с залом. Каждый выступит дважды и получит разбор."),
    ("Тренинг «Первая работа: резюме и собеседование»", "Составляем резюме, тренируем собеседование в парах, "
                                                       "разбираем частые ошибки. Ведёт HR-специалист."),
]

KIDS = [
    ("Детская суббота: мастерская настольных игр", "Придумываем и рисуем свою настольную игру, а потом играем в неё."),
    ("Детская суббота: собираем робота", "Конструируем простых роботов и устраиваем гонки. Все детали выдадим."),
    ("Детская суббота: рисуем комиксы", "Учимся придумывать героев и рассказывать историю в картинках."),
    ("Детская суббота: научное шоу", "Опыты с сухим льдом, магнитами и светом: смотрим, повторяем, удивляемся."),
    ("Детская суббота: новогодние игрушки своими руками", "Мастерим ёлочные игрушки из фетра и бумаги."),
    ("Детская суббота: квест по антикафе", "Командный квест с загадками и шифрами для детей 7–12 лет."),
]

PYJAMA = """Пижамная вечеринка: приходите в пижамах, с подушками и хорошим настроением.

Всю ночь — настольные игры, караоке, кино на большом экране и какао. Лучшая пижама получает приз.
Для участников младше 18 лет нужно письменное согласие родителей (бланк у администратора)."""

VIDEO = """Финал конкурса видеороликов «Мой город за 60 секунд».

Показываем лучшие работы на большом экране, жюри объявляет победителей, зрители выбирают свой приз.
Приём работ закрыт; участники финала получат приглашения."""

HALLOWEEN = """Хэллоуин-дискотека: костюмы, грим, тыквы и страшно весёлая музыка.

Конкурс костюмов с призами, фотозона и «зелье» от бариста. Вход в костюме — первый час бесплатно!"""


def nth_weekday(year: int, month: int, weekday: int, n: int) -> date | None:
    """Return the n-th (1-based; -1 = last) given weekday (0 = Monday) of a month, or None."""
    days = [d for d in calendar.Calendar().itermonthdates(year, month) if d.month == month and d.weekday() == weekday]
    if n == -1:
        return days[-1]
    return days[n - 1] if len(days) >= n else None


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    return from_venue(datetime(day.year, day.month, day.day, hour, minute))


def _months(today: date) -> list[tuple[int, int]]:
    first = today.replace(day=1)
    previous = (first - timedelta(days=1)).replace(day=1)
    following = (first + timedelta(days=32)).replace(day=1)
    return [(d.year, d.month) for d in (previous, first, following)]


def seed(ctx) -> None:
    """Add the programme of last month, this month and next; put the events in ctx.data["events"]."""
    rng = ctx.random
    today = venue_today()
    now = utcnow()
    months = _months(today)
    found = ctx.data.get("zones") or []
    zones = {zone.name: zone for zone in (found.values() if isinstance(found, dict) else found)}
    events: list[Event] = []

    def add(title: str, category: Category, day: date | None, start: tuple[int, int], hours: float, *,
            description: str, capacity: int | None = None, min_age: int | None = None, max_age: int | None = None,
            entry: Entry = Entry.FREE, organiser: str | None = None, published: bool = True,
            zone: str | None = None) -> Event | None:
        if day is None:
            return None
        starts = _at(day, *start)
        event = Event(title=title, category=category.value, description=description, starts_at=starts,
                      ends_at=starts + timedelta(hours=hours), capacity=capacity, min_age=min_age, max_age=max_age,
                      entry=entry.value, organiser=organiser, status=EventStatus.SCHEDULED.value,
                      published=published, zone=zones.get(zone) if zone else None,
                      published_at=min(now, starts - timedelta(days=rng.randint(10, 21))) if published else None,
                      created_at=min(now, starts - timedelta(days=rng.randint(21, 30))))
        event.updated_at = event.created_at
        events.append(event)
        return event

    for index, (year, month) in enumerate(months):
        guest, topic = TALK_GUESTS[index % len(TALK_GUESTS)]
        title, text = TRAININGS[index % len(TRAININGS)]
        add("Турнир по «Монополии»", Category.TOURNAMENT, nth_weekday(year, month, 5, 2), (15, 0), 3,
            description=MONOPOLY, capacity=16, min_age=12)
        add("Гитара и чай", Category.OTHER, nth_weekday(year, month, 3, -1), (19, 0), 2.5, description=GUITAR,
            capacity=30, entry=Entry.TIMED)
        add(f"Ток-шоу «Без галстука»: {guest}", Category.TALK_SHOW, nth_weekday(year, month, 2, 2), (18, 30), 2,
            description=f"Гость вечера — {guest}. Поговорим о том, {topic}.\n\nВопросы гостю можно задать из зала "
                        "или заранее у администратора.", capacity=50, min_age=14, organiser=COMMITTEE,
            zone="Большой зал")
        add("Открытый микрофон: стендап-конкурс", Category.CONTEST, nth_weekday(year, month, 6, 3), (18, 0), 3,
            description=OPEN_MIC, capacity=45, min_age=16)
        add(title, Category.TRAINING, nth_weekday(year, month, 1, 4), (18, 0), 3, description=text, capacity=25,
            min_age=16, max_age=30, organiser=COMMITTEE, zone="Переговорная")
        for n, theme in ((1, KIDS[(2 * index) % len(KIDS)]), (3, KIDS[(2 * index + 1) % len(KIDS)])):
            add(theme[0], Category.KIDS, nth_weekday(year, month, 5, n), (12, 0), 2,
                description=theme[1] + "\n\nРодители могут подождать в зале с чаем.", capacity=15, min_age=7,
                max_age=12)
        if month == 10:
            add("Хэллоуин-дискотека", Category.PARTY, date(year, 10, 31), (20, 0), 3.5, description=HALLOWEEN,
                capacity=60, min_age=14, entry=Entry.TIMED)

    # This month or next: the pyjama party, the video contest final, a New Year quiz still being planned.
    later_year, later_month = months[2]
    add("Пижамная вечеринка", Category.PARTY, nth_weekday(later_year, later_month, 5, -1), (21, 0), 6,
        description=PYJAMA, capacity=40, min_age=16, entry=Entry.TIMED)
    this_year, this_month = months[1]
    contest_day = nth_weekday(this_year, this_month, 6, -1)
    if contest_day < today:
        contest_day = nth_weekday(later_year, later_month, 6, 2)
    add("Конкурс видеороликов «Мой город»: финал", Category.CONTEST, contest_day, (16, 0), 2, description=VIDEO,
        capacity=80, min_age=14, max_age=25, organiser=COMMITTEE)
    add("Новогодний квиз", Category.OTHER, nth_weekday(later_year, later_month, 4, -1), (19, 0), 2.5,
        description="Командный квиз: 6 раундов, 5 человек в команде. Детали уточняются.", capacity=48,
        published=False)

    # Mafia every Friday at 19:00 from the first Friday of last month to the end of next month.
    first_friday = nth_weekday(*months[0], 4, 1)
    last_day = date(later_year, later_month, calendar.monthrange(later_year, later_month)[1])
    rule = SeriesRule(interval_weeks=1, until=last_day)
    series = EventSeries(title="Мафия по пятницам", interval_weeks=1, until=last_day)
    db.session.add(series)
    for local_start in occurrences(datetime.combine(first_friday, datetime.min.time()).replace(hour=19), rule):
        event = add("Мафия: вечерний турнир", Category.TOURNAMENT, local_start.date(), (19, 0), 3.5,
                    description=MAFIA, capacity=20, min_age=14, entry=Entry.TIMED, zone="Игровая комната")
        event.series = series

    # Plans change: one talk show ahead is cancelled (its guest fell ill).
    ahead = [e for e in events if e.category == Category.TALK_SHOW.value and e.starts_at > now]
    if ahead:
        cancelled = ahead[-1]
        cancelled.status = EventStatus.CANCELLED.value
        cancelled.cancelled_at = now
        cancelled.cancel_reason = "Гость заболел — перенесём встречу, следите за афишей."
        cancelled.sequence = 1

    db.session.add_all(events)
    ctx.data["events"] = sorted(events, key=lambda e: e.starts_at)
