"""Demo people: one login per role and about 200 young visitors aged 10–30."""

from datetime import date, timedelta

from ..auth import Role
from ..demo import DEMO_LOGINS
from ..extensions import db
from ..timeutil import venue_today
from .models import User
from .services import hash_password, new_card_code, new_feed_token

FIRST_NAMES_M = ["Артём", "Максим", "Иван", "Дмитрий", "Кирилл", "Егор", "Никита", "Матвей", "Тимур", "Даниил",
                 "Роман", "Арсений", "Руслан", "Илья", "Марат", "Алексей", "Владислав", "Ринат"]
FIRST_NAMES_F = ["Анна", "Мария", "Софья", "Алина", "Виктория", "Полина", "Дарья", "Ксения", "Алиса", "Елизавета",
                 "Камила", "Диана", "Ульяна", "Вероника", "Айгуль", "Екатерина", "Милана", "Яна"]
LAST_NAMES = ["Иванов", "Смирнов", "Кузнецов", "Попов", "Васильев", "Петров", "Соколов", "Михайлов", "Новиков",
              "Фёдоров", "Морозов", "Волков", "Алексеев", "Лебедев", "Семёнов", "Егоров", "Павлов", "Козлов",
              "Степанов", "Николаев", "Орлов", "Андреев", "Макаров", "Никитин", "Захаров", "Зайцев", "Соловьёв",
              "Борисов", "Яковлев", "Григорьев", "Романов", "Воробьёв", "Сергеев", "Кузьмин", "Фролов"]

#: Ages of the demo visitors: mostly teenagers and students, as at the real café.
AGE_WEIGHTS = {10: 2, 11: 3, 12: 4, 13: 5, 14: 7, 15: 8, 16: 9, 17: 9, 18: 8, 19: 7, 20: 6, 21: 5, 22: 4,
               23: 4, 24: 3, 25: 3, 26: 2, 27: 2, 28: 2, 29: 1, 30: 1}
VISITORS = 200


def _feminine(last: str) -> str:
    return last + "а"


def seed(ctx) -> None:
    """Add the demo staff and the young visitors."""
    rng = ctx.random
    today = venue_today()
    names = {"admin": "Ольга Администратор", "staff": "Денис Бариста", "committee": "Светлана Комитетова",
             "visitor": "Алиса Гостева"}
    births = {"admin": date(1988, 4, 12), "staff": date(2001, 9, 3), "committee": date(1985, 2, 20),
              "visitor": date(today.year - 16, 5, 17)}
    for role, email, password in DEMO_LOGINS:
        db.session.add(User(email=email, name=names[role], password_hash=hash_password(password), role=Role(role).value,
                            birth_date=births[role], phone="+7912000000" + str(len(role)),
                            card_code=new_card_code(), feed_token=new_feed_token()))
    shared_hash = hash_password("demo-visitor-2026")  # one slow hash for two hundred demo people
    ages = list(AGE_WEIGHTS)
    weights = list(AGE_WEIGHTS.values())
    visitors = []
    for number in range(1, VISITORS + 1):
        age = rng.choices(ages, weights)[0]
        birth = today - timedelta(days=age * 365 + rng.randint(0, 364))
        female = rng.random() < 0.5
        last = rng.choice(LAST_NAMES)
        name = f"{rng.choice(FIRST_NAMES_F)} {_feminine(last)}" if female else f"{rng.choice(FIRST_NAMES_M)} {last}"
        user = User(email=f"guest{number:03d}@anticafe.demo", name=name, password_hash=shared_hash,
                    role=Role.VISITOR.value, birth_date=birth, phone=f"+79{rng.randint(100000000, 999999999)}",
                    guest_category="schoolchild" if age < 18 else ("student" if age < 23 else "standard"),
                    card_code=new_card_code(), feed_token=new_feed_token())
        if age < 14:
            user.guardian_name = f"{rng.choice(FIRST_NAMES_F)} {_feminine(last)}"
            user.guardian_phone = f"+79{rng.randint(100000000, 999999999)}"
        visitors.append(user)
    db.session.add_all(visitors)
    ctx.data["visitors"] = visitors
