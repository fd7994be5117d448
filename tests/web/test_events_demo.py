"""The demo programme: a believable couple of months, with Mafia every Friday at 19:00."""

from datetime import date, timedelta

from sqlalchemy import select

from anticafe.events.models import Event, EventSeries
from anticafe.extensions import db
from anticafe.timeutil import to_venue, venue_today


def test_seed_demo_adds_the_programme(app, runner):
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    events = db.session.scalars(select(Event).order_by(Event.starts_at)).all()
    titles = " ".join(e.title for e in events)
    for word in ("Монополии", "Мафия", "Гитара и чай", "Пижамная вечеринка", "Ток-шоу", "Открытый микрофон",
                 "тренинг", "Детская суббота", "видеороликов"):
        assert word.lower() in titles.lower(), word
    today = venue_today()
    first_of_month = today.replace(day=1)
    previous_month = (first_of_month - timedelta(days=1)).replace(day=1)
    covers_october = 10 in {previous_month.month, today.month, (first_of_month + timedelta(days=32)).month}
    assert any(e.title == "Хэллоуин-дискотека" for e in events) is covers_october
    [series] = db.session.scalars(select(EventSeries)).all()
    mafia = [to_venue(e.starts_at) for e in series.events]
    assert len(mafia) >= 8 and {(m.weekday(), m.hour, m.minute) for m in mafia} == {(4, 19, 0)}
    assert any(e.starts_at < events[-1].starts_at and to_venue(e.starts_at).date() < today for e in events)
    assert any(to_venue(e.starts_at).date() >= today for e in events)
    assert any(e.is_cancelled for e in events) and any(not e.published for e in events)
    assert all(e.capacity for e in events) and any(e.min_age for e in events) and any(e.max_age for e in events)
    assert min(to_venue(e.starts_at).date() for e in events) >= previous_month
    assert max(to_venue(e.starts_at).date() for e in events) < date(today.year + 1, 3, 1)
